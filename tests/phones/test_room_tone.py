"""room_tone_warning: a line with audible steady background noise, recognised by the phone search alone, is
named as such; a clean line, quiet hiss, or speech whose quiet never holds still is not."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.phones.room_tone import room_tone_warning
from lipwright.synthetic.augment import coloured_noise
from tests.speech import compose_line, synthesise

TEXT = "Bob kept the map by the big barn."


@pytest.fixture(scope="module")
def line() -> np.ndarray:
    return compose_line([0.5, TEXT, 0.6, "Pam sat up.", 0.5], engine="flite", voice="awb").samples


def _under(samples: np.ndarray, colour: str, dbfs: float, seed: int = 0) -> AudioClip:
    noise = coloured_noise(len(samples), colour, np.random.default_rng(seed), 16000) * 10 ** (dbfs / 20)
    return AudioClip((samples + noise).astype(np.float32), 16000)


@pytest.mark.parametrize("colour", ["white", "pink"])
def test_hiss_25_to_35_db_under_the_voice_is_named(line, colour):
    warning = room_tone_warning(_under(line, colour, -45.0))
    assert warning is not None
    assert "background noise" in warning and "transcript" in warning and "'network'" in warning


@pytest.mark.parametrize("dbfs", [-70.0, -90.0])
def test_a_clean_line_or_faint_hiss_is_not(line, dbfs):
    assert room_tone_warning(AudioClip(line, 16000)) is None
    assert room_tone_warning(_under(line, "pink", dbfs)) is None


def test_speech_with_no_pause_in_it_is_not_judged():
    """Trimmed speech has no stretch of steady quiet: its quietest tenth (stop closures) is no noise floor."""
    speech = synthesise(TEXT, "flite", "rms")
    sound = np.flatnonzero(np.abs(speech) > 0.01)
    assert room_tone_warning(AudioClip(speech[sound[0]:sound[-1]], 16000)) is None


def test_a_short_word_in_a_long_silence_is_not_noise():
    """A one-word line exported at a fixed length: most hops are digital silence, which is no room tone."""
    word = synthesise("map", "flite", "awb")
    silence = np.zeros(12 * 16000, dtype=np.float32)
    assert room_tone_warning(AudioClip(np.concatenate([silence[:8000], word, silence]), 16000)) is None


def test_empty_audio_is_not_judged():
    assert room_tone_warning(AudioClip(np.zeros(0, dtype=np.float32), 16000)) is None


def test_the_model_warns_without_a_transcript_only(line):
    model = PhonemeModel()
    noisy = _under(line, "pink", -45.0)
    for recognition in ("fast", "accurate"):
        warnings = model.animate(AnimationRequest(clip=noisy, fps=30.0, recognition=recognition)).meta["warnings"]
        assert any("background noise" in w for w in warnings), (recognition, warnings)
    transcribed = model.animate(AnimationRequest(clip=noisy, fps=30.0, transcript=f"{TEXT} Pam sat up."))
    assert not any("background noise" in w for w in transcribed.meta["warnings"])
    unfitting = model.animate(AnimationRequest(clip=noisy, fps=30.0, transcript="Elephants never forget the rainy "
                                               "season in Madagascar or anywhere else, whatever anybody says."))
    assert unfitting.meta["phone_method"] == "recognised"  # a transcript that did not fit: its own warning, not this
    assert not any("background noise" in w for w in unfitting.meta["warnings"])
    clean = model.animate(AnimationRequest(clip=AudioClip(line, 16000), fps=30.0, recognition="fast"))
    assert not any("background noise" in w for w in clean.meta["warnings"])
