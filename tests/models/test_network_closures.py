"""Recognition "network": the phone search plus the lip closures the shipped GLDiTalker hears, on real
speech from espeak-ng voices the phone search hears poorly, scored against the transcript aligned."""

import numpy as np
import pytest
from pydantic import ValidationError

from lipwright.audio.clip import AudioClip
from lipwright.cli.recognition_option import RECOGNITION_CHOICES
from lipwright.errors import ModelError
from lipwright.jobs.animation_job import JobOptions
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.models.base import AnimationRequest
from lipwright.models.closure_listener import ClosureListener, sealed_spans
from lipwright.models.phonemes import PhonemeModel
from lipwright.phones.align import align_phones
from lipwright.phones.track import RECOGNITION_MODES
from tests.speech import synthesise

TEXT = "My brother bought a big blue map, and maybe the baby will bump a pumpkin by the barn."
FPS = 30.0


@pytest.fixture(scope="module")
def model():
    return PhonemeModel()


def animate(model, clip, recognition, transcript=None):
    return model.animate(AnimationRequest(clip=clip, fps=FPS, recognition=recognition, transcript=transcript,
                                          offsets=False))


def bilabials(animation) -> set[tuple]:
    return {tuple(phone) for phone in animation.meta["phones"] if phone[0] in ("P", "B", "M")}


@pytest.mark.parametrize("voice", ["en-us+m3", "en-gb+f2"])
def test_the_network_closes_the_lips_the_phone_search_missed_and_keeps_every_closure_it_heard(model, voice):
    clip = AudioClip(synthesise(TEXT, voice=voice), 16000)
    truth = [(p.label, p.start, p.end) for p in align_phones(clip, TEXT)]
    fast, network = animate(model, clip, "fast"), animate(model, clip, "network")
    closed = {name: sum(lipsync_scores(truth, *opening_and_rest(a.weights), FPS)["closed"])
              for name, a in (("fast", fast), ("network", network))}
    assert closed["network"] >= closed["fast"] + 3, closed
    assert closed["network"] >= 0.8 * sum(label in ("P", "B", "M") for label, _, _ in truth), closed
    assert bilabials(fast) <= bilabials(network)
    assert network.meta["recognised_by"] == "phones and network"
    assert animate(model, clip, "network").weights.tolist() == network.weights.tolist()  # one seed, one answer


def test_a_transcript_is_aligned_whatever_the_recognition(model):
    clip = AudioClip(synthesise(TEXT, voice="en-gb+f2"), 16000)
    assert np.array_equal(animate(model, clip, "network", TEXT).weights, animate(model, clip, "fast", TEXT).weights)


def test_no_usable_network_is_a_clear_error_and_fast_still_works(tmp_path):
    model = PhonemeModel()
    model.closure_listener = ClosureListener(run_folder=tmp_path)
    clip = AudioClip(synthesise("A big map.", voice="en-gb"), 16000)
    with pytest.raises(ModelError, match="recognition 'fast'"):
        animate(model, clip, "network")
    assert animate(model, clip, "fast").weights.shape[1] == 52


def test_sealed_frames_become_spans_in_seconds():
    sealed = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    assert sealed_spans(sealed, 10.0) == [(0.1, 0.3), (0.5, 0.6), (0.7, 1.0)]
    assert sealed_spans(np.zeros(4, dtype=bool), 30.0) == []


def test_every_door_offers_the_same_recognitions():
    assert set(RECOGNITION_CHOICES) == set(RECOGNITION_MODES)
    for mode in RECOGNITION_MODES:
        assert JobOptions(recognition=mode).recognition == mode
    with pytest.raises(ValidationError):
        JobOptions(recognition="networks")
