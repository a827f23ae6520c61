"""run_animation_job: wire request in, wire result out, with a small real model registered for the test."""

import io

import numpy as np
import pytest
import soundfile

from lipwright import wire
from lipwright.audio.clip import frame_count
from lipwright.errors import AudioError, MeshError, ModelError
from lipwright.jobs.animation_job import (
    OptionsError, RequestError, max_transcript_chars, parse_options, prepare_animation, run_animation_job,
)
from lipwright.models import registry
from lipwright.models.base import Animation

RATE = 16000
SQUARE = (np.array([[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], np.float32), np.arange(4, dtype=np.int32),
          np.array([4], np.int32))


class EnvelopeModel:
    """Moves every vertex up by the audio's peak level in each frame."""

    name = "envelope"
    description = "test: vertices follow the peak level"

    def animate(self, request, progress):
        clip = request.clip
        frames = frame_count(clip.seconds, request.fps)
        edges = (np.arange(frames + 1) * clip.sample_rate / request.fps).astype(int)
        level = np.array([np.abs(clip.samples[a:b]).max(initial=0.0) for a, b in zip(edges[:-1], edges[1:])])
        progress(0.5, "measured")
        rest = SQUARE[0] if request.mesh is None else request.mesh.vertices
        offsets = np.zeros((frames, len(rest), 3), np.float32)
        offsets[:, :, 2] = level[:, None]
        landmarks = {name: 0 for name in wire.REQUIRED_LANDMARKS}
        return Animation(offsets, rest, request.fps, landmarks, meta={"model": self.name})


class WrongShapeModel(EnvelopeModel):
    def animate(self, request, progress):
        animation = super().animate(request, progress)
        animation.offsets = animation.offsets[:, :2]
        return animation


def _broken_factory(device):
    raise ImportError("No module named 'imaginary_weights'")


@pytest.fixture(scope="module", autouse=True)
def test_models():
    registry.register_model("envelope", lambda device: EnvelopeModel(), EnvelopeModel.description)
    registry.register_model("wrong-shape", lambda device: WrongShapeModel(), "test: offsets of the wrong shape")
    registry.register_model("unloadable", _broken_factory, "test: its factory fails")


def beep_then_silence() -> bytes:
    t = np.arange(RATE) / RATE
    samples = np.where(t < 0.5, 0.5 * np.sin(2 * np.pi * 300 * t), 0.0).astype(np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, RATE, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def record_progress():
    seen = []
    return seen, lambda fraction, message: seen.append((fraction, message))


def test_a_request_becomes_a_result_with_meta():
    seen, progress = record_progress()
    request = wire.encode_request(beep_then_silence(), {"model": "envelope", "fps": 10})
    result = wire.decode_result(run_animation_job(request, progress, "cpu"))
    assert result["offsets"].shape == (10, 4, 3)  # frames cover [0, 1 s): 0.0 … 0.9 s
    level = result["offsets"][:, 0, 2]
    assert level[:5].min() > 0.4 and level[6:].max() == 0.0  # loud for half a second, then silent
    assert result["fps"] == 10
    meta = result["meta"]
    assert meta["model"] == "envelope" and meta["device"] == "cpu" and meta["version"]
    assert meta["audio_seconds"] == pytest.approx(1.0) and meta["compute_seconds"] >= 0
    assert seen[0] == (0.0, "loading the envelope model") and (0.5, "measured") in seen


def test_a_mesh_in_the_request_is_checked_and_used():
    vertices = SQUARE[0] * 2
    request = wire.encode_request(beep_then_silence(), {"model": "envelope"}, vertices, *SQUARE[1:])
    result = wire.decode_result(run_animation_job(request, lambda f, m: None, "cpu"))
    np.testing.assert_array_equal(result["rest"], vertices)


def test_options_are_checked_with_messages_a_person_can_read():
    assert parse_options({}).model == registry.DEFAULT_MODEL
    assert parse_options({"transcript": "   "}).transcript is None
    with pytest.raises(OptionsError, match=r"fps: Input should be greater than 0 \(got 0\)"):
        parse_options({"model": "envelope", "fps": 0})
    with pytest.raises(OptionsError, match=r"fps: Input should be less than or equal to 240"):
        parse_options({"model": "envelope", "fps": 240.5})
    assert parse_options({"model": "envelope", "fps": 23.976}).fps == pytest.approx(23.976)
    with pytest.raises(OptionsError, match="model: unknown model 'nope'; known models: .*envelope"):
        parse_options({"model": "nope"})


def test_transcript_length_scales_with_the_audio():
    one_second = beep_then_silence()
    seconds = soundfile.info(io.BytesIO(one_second)).duration
    limit = max_transcript_chars(seconds)
    assert max_transcript_chars(600.0) >= 25_000  # a ten-minute line holds far more than 5,000
    prepared = prepare_animation(wire.encode_request(one_second, {"model": "envelope", "transcript": "a" * limit}))
    assert len(prepared.options.transcript) == limit
    with pytest.raises(OptionsError, match=rf"transcript: {limit + 1} characters is more than {limit}"):
        prepare_animation(wire.encode_request(one_second, {"model": "envelope", "transcript": "a" * (limit + 1)}))
    ten_minutes = "the quick brown fox jumps over the lazy dog " * 400  # 17,600 characters
    assert len(ten_minutes) < max_transcript_chars(600.0)
    with pytest.raises(OptionsError, match="the longest audio accepted"):
        prepare_animation(wire.encode_request(one_second, {"model": "envelope", "transcript": ten_minutes}),
                          max_audio_seconds=60.0)


def test_bad_input_is_refused_before_any_model_runs():
    with pytest.raises(RequestError, match="not a readable npz"):
        prepare_animation(b"hello")
    with pytest.raises(AudioError, match="empty"):
        prepare_animation(wire.encode_request(b"", {"model": "envelope"}))
    with pytest.raises(AudioError, match="more than the limit"):
        prepare_animation(wire.encode_request(beep_then_silence(), {"model": "envelope"}), max_audio_seconds=0.5)
    with pytest.raises(MeshError, match="more than the limit"):
        prepare_animation(wire.encode_request(beep_then_silence(), {}, *SQUARE), max_vertices=3)


def test_a_result_past_the_frame_vertex_limit_is_refused_before_any_model_runs():
    request = wire.encode_request(beep_then_silence(), {"model": "envelope", "fps": 100}, *SQUARE)
    frames = -(-len(prepare_animation(request).clip.samples) // 160)  # frames covering [0, duration) at 100 fps, 16 kHz
    with pytest.raises(OptionsError, match=f"{frames:,} frames × 4 vertices .* lower the fps, split the line"):
        prepare_animation(request, max_frame_vertices=4 * frames - 1)
    assert prepare_animation(request, max_frame_vertices=4 * frames).mesh.vertex_count == 4
    weights_only = wire.encode_request(beep_then_silence(), {"model": "envelope", "fps": 100, "offsets": False}, *SQUARE)
    assert prepare_animation(weights_only, max_frame_vertices=1).options.offsets is False


def test_a_model_that_breaks_the_contract_or_cannot_load_gets_a_clear_error():
    request = wire.encode_request(beep_then_silence(), {"model": "wrong-shape"})
    with pytest.raises(ModelError, match="bug in the model"):
        run_animation_job(request, lambda f, m: None, "cpu")
    request = wire.encode_request(beep_then_silence(), {"model": "unloadable"})
    with pytest.raises(ModelError, match="could not be loaded .*imaginary_weights"):
        run_animation_job(request, lambda f, m: None, "cpu")


def test_a_cut_off_file_animates_what_is_there_and_says_so():
    whole = beep_then_silence()
    request = wire.encode_request(whole[: 44 + (len(whole) - 44) * 3 // 4], {"model": "envelope", "fps": 10})
    result = wire.decode_result(run_animation_job(request, lambda f, m: None, "cpu"))
    assert result["offsets"].shape[0] == 8  # 0.75 s at 10 fps
    assert len(result["meta"]["warnings"]) == 1 and "is cut short" in result["meta"]["warnings"][0]


def _wav(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.mark.parametrize("overdrive_db, warned", [(6.0, False), (20.0, True)])
def test_a_clipped_recording_is_rebuilt_by_the_worker_not_while_the_user_waits(overdrive_db, warned):
    """The quick checks only find the cut peaks; the slow side (run_model, in the worker) hears them rebuilt,
    at the file's own rate. A hard-clipped file is named in one warning."""
    from lipwright.jobs.animation_job import run_model
    from tests.speech import synthesise

    rate = 48000
    spoken = synthesise("Bob bought a big map of the bay.", "flite", "awb", sample_rate=rate).astype(np.float64)
    driven = spoken / np.abs(spoken).max() * 10 ** (overdrive_db / 20)
    prepared = prepare_animation(wire.encode_request(_wav(np.clip(driven, -1.0, 1.0), rate),
                                                     {"model": "envelope", "fps": 30}))
    assert prepared.recording is not None and prepared.recording.rate == rate
    assert np.abs(prepared.clip.samples).max() == pytest.approx(1.0, abs=1e-3)  # as cut: nothing rebuilt yet
    heard = prepared.heard_clip()
    assert heard.sample_rate == prepared.clip.sample_rate and len(heard.samples) == len(prepared.clip.samples)
    assert np.abs(heard.samples).max() < 0.995  # scaled under full scale (a hair over 0.99, resampled)
    assert any("is clipped" in warning for warning in prepared.clip.warnings) == warned
    animation, meta = run_model(prepared, lambda *_: None, "cpu")
    assert animation.offsets[:, :, 2].max() < 0.995  # the model heard the rebuilt line
    assert sum("is clipped" in warning for warning in meta["warnings"]) == int(warned)


def test_a_recording_that_is_not_clipped_is_prepared_as_it_is():
    prepared = prepare_animation(wire.encode_request(beep_then_silence(), {"model": "envelope"}))
    assert prepared.recording is None and prepared.heard_clip() is prepared.clip
