"""levelled: a quiet line raised to the level the recognisers hear well; a line at a normal level untouched."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.level import (LOUD_SPEECH_DB, MOST_GAIN_DB, PEAK_HEADROOM_DB, levelled, loud_speech_db,
                                   raise_gain_db)
from lipwright.audio.loudness import REFERENCE_PERCENTILE, energy_envelope
from lipwright.synthetic.augment import coloured_noise
from tests.speech import compose_line


@pytest.fixture(scope="module")
def line() -> AudioClip:
    spoken = compose_line([0.4, "Bob kept the map by the big barn.", 0.6, "Pam sat up.", 0.4], engine="flite",
                          voice="awb")
    return AudioClip(spoken.samples.astype(np.float32), spoken.sample_rate)


def _loud_db(clip: AudioClip) -> float:
    return loud_speech_db(clip)


def _scaled(clip: AudioClip, decibels: float) -> AudioClip:
    return AudioClip((clip.samples * 10 ** (decibels / 20)).astype(np.float32), clip.sample_rate)


def test_a_line_at_a_normal_level_is_left_as_it_is(line):
    assert _loud_db(line) > LOUD_SPEECH_DB  # flite speaks near full scale
    assert levelled(line) is line
    assert raise_gain_db(_scaled(line, LOUD_SPEECH_DB - _loud_db(line) + 1.0)) == 0.0


@pytest.mark.parametrize("quieter_db", [-20.0, -30.0, -40.0])
def test_a_quiet_line_is_raised_to_loud_speech(line, quieter_db):
    quiet = _scaled(line, quieter_db)
    raised = levelled(quiet)
    assert raised.sample_rate == quiet.sample_rate and raised.samples.dtype == np.float32
    assert len(raised.samples) == len(quiet.samples)
    assert _loud_db(raised) == pytest.approx(LOUD_SPEECH_DB, abs=0.05)
    # One gain for the whole line: the shape of the sound is unchanged.
    ratio = raised.samples[quiet.samples != 0] / quiet.samples[quiet.samples != 0]
    assert np.allclose(ratio, ratio[0], rtol=1e-4)


def test_a_click_is_never_raised_into_clipping(line):
    quiet = _scaled(line, -40.0)
    samples = quiet.samples.copy()
    samples[100] = 0.5  # a click far louder than the speech
    raised = levelled(AudioClip(samples, quiet.sample_rate))
    assert np.max(np.abs(raised.samples)) == pytest.approx(10 ** (PEAK_HEADROOM_DB / 20), rel=1e-4)
    assert _loud_db(raised) < LOUD_SPEECH_DB


def test_near_silence_is_raised_at_most_so_far(line):
    whisper = _scaled(line, -90.0)
    assert raise_gain_db(whisper) == pytest.approx(MOST_GAIN_DB)


@pytest.mark.parametrize("samples", [np.zeros(16000, np.float32), np.zeros(0, np.float32), np.zeros(10, np.float32)],
                         ids=["silence", "empty", "shorter-than-a-hop"])
def test_nothing_to_raise(samples):
    clip = AudioClip(samples, 16000)
    assert raise_gain_db(clip) == 0.0 and levelled(clip) is clip


def test_generated_levels_and_peaks(line):
    """Over random gains and clicks: the gain is never negative, the peak never passes the headroom, and loud
    speech ends at LOUD_SPEECH_DB unless the headroom or MOST_GAIN_DB stopped it first."""
    rng = np.random.default_rng(5)
    for _ in range(60):
        samples = (line.samples * 10 ** (rng.uniform(-80, 6) / 20)).astype(np.float32)
        if rng.random() < 0.5:
            samples[rng.integers(len(samples))] = rng.uniform(-1, 1)
        clip = AudioClip(np.clip(samples, -1, 1), line.sample_rate)
        gain = raise_gain_db(clip)
        raised = levelled(clip)
        assert gain >= 0.0
        assert np.max(np.abs(raised.samples)) <= max(np.max(np.abs(clip.samples)), 10 ** (PEAK_HEADROOM_DB / 20)) + 1e-6
        if gain > 0:
            stopped = gain == pytest.approx(MOST_GAIN_DB) or np.max(np.abs(raised.samples)) == pytest.approx(
                10 ** (PEAK_HEADROOM_DB / 20), rel=1e-4)
            assert stopped or _loud_db(raised) == pytest.approx(LOUD_SPEECH_DB, abs=0.05)


def test_one_word_in_seconds_of_near_silence_is_not_a_quiet_line(line):
    """The 95th percentile of every hop would fall in the pauses; loud speech is read among the hops that sound."""
    rate = line.sample_rate
    word = line.samples[int(0.4 * rate):int(0.9 * rate)]
    hiss = coloured_noise(12 * rate, "pink", np.random.default_rng(1), rate) * 10 ** (-80 / 20)
    hiss[6 * rate:6 * rate + len(word)] += word
    sparse = AudioClip(hiss.astype(np.float32), rate)
    _, energy = energy_envelope(sparse)
    assert 10 * np.log10(np.percentile(energy, REFERENCE_PERCENTILE)) < LOUD_SPEECH_DB - 40  # what all hops say
    assert levelled(sparse) is sparse
