"""Mains hum found in a line's pauses and subtracted; lines without hum left exactly as they are."""

import numpy as np
import pytest
import soxr

from lipwright.audio.clip import AudioClip
from lipwright.audio.hum import hum_frequencies, without_hum
from lipwright.synthetic.augment import coloured_noise, mains_hum
from tests.speech import compose_line

PARTS = [0.5, "Bob kept the map by the big barn.", 0.8, "Pam sat up.", 0.5]


@pytest.fixture(scope="module")
def spoken():
    return compose_line(PARTS, engine="flite", voice="awb")


def _at(spoken, rate: int) -> np.ndarray:
    samples = spoken.samples.astype(np.float64)
    return samples if rate == spoken.sample_rate else soxr.resample(samples, spoken.sample_rate, rate)


def _hum(length: int, rate: int, mains: float, level_db: float, harmonics: int, seed: int = 0) -> np.ndarray:
    return mains_hum(length, rate, mains, level_db, np.random.default_rng(seed), harmonics)


def _level_db(samples: np.ndarray) -> float:
    return 10 * float(np.log10(np.mean(np.asarray(samples, np.float64) ** 2) + 1e-30))


def _pauses(spoken, rate: int, samples: np.ndarray) -> np.ndarray:
    """The line's pauses, a tenth of a second in from the speech either side."""
    return np.concatenate([samples[int((s.start + 0.1) * rate):int((s.end - 0.1) * rate)] for s in spoken.silences])


@pytest.mark.parametrize("rate, mains, harmonics", [(16000, 50.0, 5), (44100, 60.0, 5), (48000, 50.0, 15),
                                                    (22050, 59.93, 8), (16000, 50.08, 12)],
                         ids=["16k-50", "44k-60", "48k-50-buzz", "22k-60-low", "16k-50-high"])
def test_hum_is_found_and_subtracted_from_real_speech(spoken, rate, mains, harmonics):
    speech = _at(spoken, rate)
    hum = _hum(len(speech), rate, mains, -45.0, harmonics)
    heard = AudioClip((speech + hum).astype(np.float32), rate)
    found = hum_frequencies(heard.samples, rate)
    assert sum(1 for f in found if abs(f - mains * round(f / mains)) < 0.3) >= 3  # on the mains' harmonics
    cleaned = without_hum(heard)
    assert cleaned.samples.dtype == np.float32 and cleaned.samples.shape == heard.samples.shape
    assert cleaned.sample_rate == rate
    # The pauses, hum alone before, at least 25 dB quieter; the speech left as it was (what was taken out of
    # the whole line is at least 20 dB under the hum that was put in).
    assert _level_db(_pauses(spoken, rate, cleaned.samples)) < _level_db(_pauses(spoken, rate, hum)) - 25.0
    assert _level_db(cleaned.samples - speech) < _level_db(hum) - 20.0


def _with_faint_floor(samples: np.ndarray, rate: int) -> np.ndarray:
    """A recording's own floor 70 dB down, so that pauses are not digital silence."""
    return samples + 10 ** (-70 / 20) * coloured_noise(len(samples), "pink", np.random.default_rng(9), rate)


def test_a_line_without_hum_is_the_same_object(spoken):
    clean = AudioClip(_with_faint_floor(spoken.samples, spoken.sample_rate).astype(np.float32), spoken.sample_rate)
    assert hum_frequencies(clean.samples, clean.sample_rate) == []
    assert without_hum(clean) is clean


@pytest.mark.parametrize("colour", ["white", "pink", "brown"])
def test_steady_noise_is_not_hum(spoken, colour):
    noise = coloured_noise(len(spoken.samples), colour, np.random.default_rng(3), spoken.sample_rate)
    heard = AudioClip((spoken.samples + noise * 10 ** (-45 / 20)).astype(np.float32), spoken.sample_rate)
    assert without_hum(heard) is heard


def test_a_steady_voice_on_a_multiple_of_the_mains_is_not_hum(spoken):
    """A robotic voice held at 100 Hz has lines at multiples of 50 Hz too, but only while it speaks: the
    pauses, where hum is looked for, are silent."""
    rate = spoken.sample_rate
    t = np.arange(len(spoken.samples)) / rate
    buzz = 0.2 * sum(np.sin(2 * np.pi * 100.0 * k * t) / k for k in range(1, 20))
    speaking = np.zeros(len(t), bool)
    for word in spoken.words:
        speaking[int(word.start * rate):int(word.end * rate)] = True
    robot = AudioClip(_with_faint_floor(np.where(speaking, buzz, 0.0), rate).astype(np.float32), rate)
    assert hum_frequencies(robot.samples, rate) == []


def test_too_short_to_tell():
    rate = 16000
    tone = _hum(rate // 2, rate, 50.0, -30.0, 5).astype(np.float32)
    assert hum_frequencies(tone, rate) == []


def test_generated_hum_is_always_taken_down(spoken):
    """Random rates, mains off nominal by up to 0.1 Hz, levels 25-60 dB under the voice and 3-20 harmonics."""
    rng = np.random.default_rng(11)
    for case in range(12):
        rate = int(rng.choice([8000, 11025, 16000, 22050, 32000, 44100, 48000]))
        mains = float(rng.choice([50.0, 60.0]) + rng.uniform(-0.1, 0.1))
        speech = _at(spoken, rate)
        hum = _hum(len(speech), rate, mains, float(rng.uniform(-75, -40)), int(rng.integers(3, 21)), seed=case)
        cleaned = without_hum(AudioClip((speech + hum).astype(np.float32), rate))
        taken = _level_db(_pauses(spoken, rate, hum)) - _level_db(_pauses(spoken, rate, cleaned.samples))
        assert taken > 20.0, f"case {case}: {rate} Hz, mains {mains:.3f} Hz: only {taken:.1f} dB taken out"


def test_peaks_near_the_mains_harmonics_that_share_no_one_frequency_are_not_hum(spoken):
    """The peaks a monotone diphone voice's tail left in the pauses of a lively room (festival's ked, RT60 0.5
    s): each within 1.2 Hz of a multiple of 60 Hz, but no one mains frequency has them all as multiples."""
    rate = spoken.sample_rate
    t = np.arange(len(spoken.samples)) / rate
    tones = sum(np.sin(2 * np.pi * f * t) for f in (119.24, 481.16, 600.56, 720.97, 839.54, 1079.14))
    heard = (spoken.samples + 10 ** (-55 / 20) * tones).astype(np.float32)
    assert hum_frequencies(heard, rate) == []


def _line_with_pauses(spoken, rate: int, seconds: float, shortest: float, longest: float, seed: int) -> np.ndarray:
    """The spoken sentences again and again with pauses of random length, up to `seconds`."""
    rng = np.random.default_rng(seed)
    speech = _at(spoken, rate)
    words = [speech[int(w.start * rate):int(w.end * rate)] for w in spoken.words]
    pieces, length = [], 0
    while length < seconds * rate:
        pieces += [words[len(pieces) % len(words)], np.zeros(int(rng.uniform(shortest, longest) * rate))]
        length += len(pieces[-2]) + len(pieces[-1])
    return np.concatenate(pieces)[: int(seconds * rate)]


@pytest.mark.parametrize("mains", [50.0213, 60.0137, 49.9762])
def test_hum_off_its_nominal_frequency_is_taken_out_of_a_long_line(spoken, mains):
    """Five minutes, pauses of 0.3-1.7 s: the frequency is pinned on 20 s of floor, not the whole line (whose
    error dips too narrowly around it to be found)."""
    rate = 16000
    speech = _line_with_pauses(spoken, rate, 300.0, 0.3, 1.7, seed=int(mains * 100))
    t = np.arange(len(speech)) / rate
    phases = np.random.default_rng(3).uniform(0, 2 * np.pi, 20)
    hum = 10 ** (-50 / 20) * sum(np.sin(2 * np.pi * mains * k * t + phases[k - 1]) for k in range(1, 21))  # a buzz
    cleaned = without_hum(AudioClip((speech + hum).astype(np.float32), rate)).samples
    quiet = speech == 0
    assert _level_db(hum[quiet]) - _level_db(cleaned[quiet]) > 20.0


def test_hum_off_its_nominal_frequency_between_short_pauses(spoken):
    """Words 0.12 s apart: the floor is short stretches glued together, which smears the spectrum's peaks;
    the frequency fit reads the true sample times and finds it anyway."""
    rate = 16000
    speech = _line_with_pauses(spoken, rate, 12.0, 0.12, 0.12, seed=1)
    hum = _hum(len(speech), rate, 50.03, -45.0, 5, seed=4)
    cleaned = without_hum(AudioClip((speech + hum).astype(np.float32), rate)).samples
    quiet = speech == 0
    assert _level_db(hum[quiet]) - _level_db(cleaned[quiet]) > 20.0


@pytest.mark.parametrize("offset", [0.01, 0.05])
def test_a_dc_offset_neither_hides_hum_nor_is_taken_for_it(spoken, offset):
    rate = spoken.sample_rate
    hum = _hum(len(spoken.samples), rate, 50.0, -45.0, 5)
    heard = AudioClip((spoken.samples + hum + offset).astype(np.float32), rate)
    cleaned = without_hum(heard).samples
    pauses = _pauses(spoken, rate, cleaned - offset)
    assert _level_db(pauses) < _level_db(_pauses(spoken, rate, hum)) - 25.0
    assert np.mean(cleaned) == pytest.approx(np.mean(heard.samples), abs=1e-4)  # the offset is not hum
