"""Jobs for a batched model run through one animate_many call; a line the shared call refuses fails alone."""

import pytest

from lipwright import wire
from lipwright.errors import ModelError
from lipwright.jobs.animation_job import animate_together_to, prepare_animation
from lipwright.models import registry
from lipwright.models.base import no_progress
from tests.server.tiny_models import LoudnessModel
from tests.speech import speak


class PickyBatchModel(LoudnessModel):
    """Loudness, many lines per call; it refuses any call with a line whose transcript is 'refuse'."""

    name = "picky-batch"
    calls: list[int] = []

    def animate_many(self, requests, progress=no_progress):
        PickyBatchModel.calls.append(len(requests))
        if any(request.transcript == "refuse" for request in requests):
            raise ModelError("this line cannot be done")
        return [super(PickyBatchModel, self).animate(request, progress) for request in requests]

    def animate(self, request, progress=no_progress):
        return self.animate_many([request], progress)[0]


@pytest.fixture(scope="module")
def picky():
    registry.register_model("picky-batch", lambda device: PickyBatchModel(device), "Test: batched loudness.", batched=True)
    yield
    registry.unregister_model("picky-batch")


@pytest.fixture(scope="module")
def line(tmp_path_factory) -> bytes:
    return speak("Bob bought a map.", tmp_path_factory.mktemp("speech") / "line.wav").read_bytes()


def prepared(line: bytes, transcript: str):
    return prepare_animation(wire.encode_request(line, {"model": "picky-batch", "transcript": transcript}))


def test_lines_share_one_call_and_each_gets_its_own_result(picky, line, tmp_path):
    PickyBatchModel.calls.clear()
    targets = [tmp_path / f"{n}.npz" for n in range(3)]
    errors = animate_together_to([prepared(line, f"line {n}") for n in range(3)], no_progress, "cpu", targets)
    assert errors == [None, None, None] and PickyBatchModel.calls == [3]
    for target in targets:
        assert wire.decode_result(target.read_bytes())["meta"]["batched_with"] == 3


def test_a_refused_line_fails_alone_and_the_others_are_done(picky, line, tmp_path):
    PickyBatchModel.calls.clear()
    targets = [tmp_path / f"{n}.npz" for n in range(3)]
    errors = animate_together_to([prepared(line, text) for text in ("fine", "refuse", "also fine")], no_progress,
                                 "cpu", targets)
    assert [str(error) if error else None for error in errors] == [None, "this line cannot be done", None]
    assert PickyBatchModel.calls == [3, 1, 1, 1]  # the shared call, then each line alone
    assert targets[0].is_file() and targets[2].is_file() and not targets[1].exists()
