"""The default model on inputs users have: lines cut off mid-word end at rest, music gets a warning."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.motion.arkit import ARKIT_NAMES
from tests.phones.test_speech_presence import melody
from tests.speech import short_time_db, synthesise

RATE = 16000
JAW = ARKIT_NAMES.index("jawOpen")


@pytest.fixture(scope="module")
def model():
    return PhonemeModel()


@pytest.mark.parametrize("engine, voice", [("espeak-ng", "en-us"), ("flite", "awb"), ("espeak-ng", "en-gb+m3")])
@pytest.mark.parametrize("fps", [24.0, 30.0])
def test_a_line_cut_off_mid_vowel_ends_with_the_mouth_at_rest(model, engine, voice, fps):
    speech = synthesise("Bob saw a map of the moon and the stars far away", engine=engine, voice=voice)
    # Cut at the loudest moment of the last third: the middle of a vowel.
    level = short_time_db(speech, RATE)
    third = len(level) * 2 // 3
    cut = (third + int(np.argmax(level[third:]))) * int(0.005 * RATE)
    clip = AudioClip(np.concatenate([np.zeros(RATE // 4, np.float32), speech[:cut]]), RATE)
    animation = model.animate(AnimationRequest(clip=clip, fps=fps, offsets=False))
    weights = animation.weights
    assert np.all(weights[-1] == 0.0)
    assert weights[-int(0.3 * fps):, JAW].max() > 0.05  # it was talking right up to the cut


def test_music_animates_with_a_warning(model):
    clip = AudioClip(melody(seed=5), RATE)
    animation = model.animate(AnimationRequest(clip=clip, fps=30.0, offsets=False))
    assert any(warning.startswith("Little speech was found") for warning in animation.meta["warnings"])


def test_speech_animates_without_a_warning(model):
    clip = AudioClip(synthesise("Where were you when the lights went out?", engine="flite", voice="rms"), RATE)
    animation = model.animate(AnimationRequest(clip=clip, fps=30.0, offsets=False))
    assert animation.meta["warnings"] == []
