"""The default model on speech recorded in a small room: the reverberation that fills stop closures is taken
out before phones are heard, so transcript-free lip sync keeps its p/b/m (audio/dereverberate.py)."""

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import AudioClip
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.synthetic.augment import in_room
from tests.speech import flite_with_phone_timings

SENTENCES = ["Bob bought a big map of the bay.", "Pam might pop up by the pub.", "My brother paid for both maps."]
FPS = 30.0


@pytest.fixture(scope="module")
def model():
    return PhonemeModel()


def _spoken_in_a_room(text: str, voice: str, folder) -> tuple[np.ndarray, int, list]:
    """`text` by flite's `voice` with 0.5 s of silence either side, in a room with reverberation time 0.3 s and
    the voice 10 dB over its tail (a laptop microphone near the speaker); flite's own phone timings."""
    truth = flite_with_phone_timings(text, voice, folder / "line.wav")
    dry, rate = soundfile.read(str(folder / "line.wav"), dtype="float64")
    pad = np.zeros(rate // 2)
    dry = np.concatenate([pad, dry, pad])
    wet = in_room(dry, rate, 0.3, 10.0, np.random.default_rng(0))
    return wet.astype(np.float32), rate, [(label, start + 0.5, end + 0.5) for label, start, end in truth]


def test_lips_close_on_bilabials_spoken_in_a_small_room(model, tmp_path):
    """Without a transcript (fast mode). The dry lines close 43 of their 44 p/b/m; in the room, 39 with the
    reverberation taken out and 31 without."""
    closed = []
    for voice in ("awb", "rms"):
        for text in SENTENCES:
            samples, rate, truth = _spoken_in_a_room(text, voice, tmp_path)
            animation = model.animate(AnimationRequest(clip=AudioClip(samples, rate), fps=FPS, recognition="fast"))
            opening, rest = opening_and_rest(animation.weights)
            closed += lipsync_scores(truth, opening, rest, FPS)["closed"]
    assert len(closed) == 44
    assert np.mean(closed) >= 0.82, f"{sum(closed):.0f} of {len(closed)} p/b/m closed"
