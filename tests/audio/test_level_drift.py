"""A long take whose level drifts: its slow fall or rise taken out, a voice's own dynamics and the pauses left."""

from __future__ import annotations

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.level_drift import (MOST_GAIN_DB, OWN_VARIATION_DB, PEAK_HEADROOM, WINDOW_SECONDS,
                                         drift_gains_db, steadied)
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.motion.arkit import ARKIT_NAMES
from lipwright.synthetic.augment import coloured_noise
from tests.speech import compose_line, short_time_db

RATE = 16000
SENTENCES = ["The cat sat on a hot flat mat.", "Bob and Pam ate a lot of odd pasta.",
             "Walk the dog past the tall barn.", "My dad had a bad map of the park.",
             "Father taught us to talk calmly.", "A black cap sat on top of the box.",
             "Tom got half a pot of hot apple jam.", "Pat the lamb and calm the mad cat."]


@pytest.fixture(scope="module")
def take() -> tuple[np.ndarray, list]:
    """Eight spoken sentences with pauses, twice: about 50 s of one steady voice."""
    parts: list[str | float] = [0.5]
    for sentence in SENTENCES + SENTENCES:
        parts += [sentence, 0.8]
    line = compose_line(parts, voice="en-us", rate=150, sample_rate=RATE)
    return line.samples, line.words


def _stepped(samples: np.ndarray, at: float, decibels: float) -> np.ndarray:
    """`samples` whose level falls by `decibels` over 1 s from `at` seconds on."""
    seconds = np.arange(len(samples)) / RATE
    fall = np.clip(seconds - at, 0.0, 1.0)
    return (samples * 10 ** (decibels * fall / 20)).astype(np.float32)


def _loud_db(samples: np.ndarray, start: float, end: float) -> float:
    level = short_time_db(samples[int(start * RATE):int(end * RATE)], RATE)
    return float(np.percentile(level, 95))


def test_a_line_no_longer_than_one_window_is_left_as_it_is():
    samples = _stepped(np.random.default_rng(0).normal(0, 0.1, int(WINDOW_SECONDS * RATE)).astype(np.float32),
                       WINDOW_SECONDS / 2, -20)
    clip = AudioClip(samples, RATE)
    assert drift_gains_db(clip) is None and steadied(clip) is clip


def test_a_steady_take_is_left_as_it_is(take):
    samples, _ = take
    assert len(samples) / RATE > 2 * WINDOW_SECONDS
    clip = AudioClip(samples, RATE)
    assert steadied(clip) is clip


@pytest.mark.parametrize("decibels", [-20.0, 15.0])
def test_a_take_that_falls_or_rises_halfway_is_brought_back_to_one_level(take, decibels):
    samples, words = take
    middle = words[len(words) // 2].start - 0.4
    stepped = _stepped(samples, middle, decibels)
    steady = steadied(AudioClip(stepped, RATE)).samples
    # Away from the step by half a window: the windows that straddle it cannot split it.
    first, second = (words[0].start, middle - WINDOW_SECONDS / 2), (middle + 1.0 + WINDOW_SECONDS / 2, words[-1].end)
    before = _loud_db(stepped, *second) - _loud_db(stepped, *first)
    after = _loud_db(steady, *second) - _loud_db(steady, *first)
    assert before == pytest.approx(decibels, abs=2.0)
    # What is left is what each half's gain leaves as the voice's own variation, on either side of the typical level.
    assert abs(after) <= 2 * OWN_VARIATION_DB + 1.0, f"the halves still differ by {after:.1f} dB"


def test_within_a_window_the_voice_keeps_its_own_dynamics(take):
    """A sentence shouted 12 dB over a steady take (no slower than a sentence) stays far louder than its
    neighbours: the gain moves over WINDOW_SECONDS, not a word's length."""
    samples, words = take
    shout = words[3]
    louder = samples.copy()
    louder[int(shout.start * RATE):int(shout.end * RATE)] *= 10 ** (12 / 20)
    steady = steadied(AudioClip(louder / np.abs(louder).max() * 0.9, RATE)).samples
    over = _loud_db(steady, shout.start, shout.end) - _loud_db(steady, words[2].start, words[2].end)
    assert over >= 9.0, f"the shouted sentence is only {over:.1f} dB over the one before"


def test_a_long_pause_of_room_tone_is_not_raised_to_speech(take):
    """15 s of pink room tone between two halves spoken 20 dB apart: the pause takes its neighbours' gain,
    never one that would bring the hiss up to the voice."""
    samples, _ = take
    rng = np.random.default_rng(3)
    half = len(samples) // 2
    pause = int(15 * RATE)
    line = np.concatenate([samples[:half], np.zeros(pause, np.float32), samples[half:] * 0.1])
    line = line + (coloured_noise(len(line), "pink", rng, RATE) * 10 ** (-60 / 20)).astype(np.float32)
    steady = steadied(AudioClip(line.astype(np.float32), RATE)).samples
    middle = slice(half + 5 * RATE, half + 10 * RATE)
    raised = 10 * np.log10(np.mean(steady[middle] ** 2) / np.mean(line[middle] ** 2))
    gains = drift_gains_db(AudioClip(line.astype(np.float32), RATE))[1]
    assert raised <= gains.max() + 0.5 and raised < MOST_GAIN_DB - 3
    assert np.ptp(gains) > 10  # and the two halves were brought together


def test_a_raised_stretch_never_clips(take):
    """The last sentences 24 dB down are raised back, and a click among them with them: the line is scaled so
    that it stays under full scale."""
    samples, words = take
    quiet = _stepped(samples / np.abs(samples).max() * 0.99, words[-4].start - 0.4, -24)
    click = int((words[-1].start + 0.5) * RATE)
    quiet[click] = 0.2
    times, gains_db = drift_gains_db(AudioClip(quiet, RATE))
    assert 0.2 * 10 ** (np.interp(click / RATE, times, gains_db) / 20) > 1.0  # it would clip unscaled
    steady = steadied(AudioClip(quiet, RATE)).samples
    assert np.abs(steady).max() <= PEAK_HEADROOM + 1e-6


def test_room_tone_between_gated_pauses_is_not_raised_to_speech(take):
    """A line whose pauses are digital silence (gated or edited) with a long stretch of room tone between two
    spoken halves: the floor is the room's, not the zeros', so the tone is not taken for quiet speech."""
    samples, _ = take
    half = len(samples) // 2
    tone = (coloured_noise(15 * RATE, "pink", np.random.default_rng(5), RATE) * 10 ** (-60 / 20)).astype(np.float32)
    gap = np.zeros(RATE // 2, np.float32)
    line = np.concatenate([samples[:half], gap, tone, gap, samples[half:]])
    times, gains_db = drift_gains_db(AudioClip(line, RATE))
    middle = (half + len(gap) + len(tone) / 2) / RATE
    assert abs(np.interp(middle, times, gains_db)) <= 3.0, "the room tone was raised as if it were quiet speech"


def _jaw_peaks(samples: np.ndarray, words: list, transcript: str) -> np.ndarray:
    animation = PhonemeModel().animate(AnimationRequest(clip=AudioClip(samples, RATE), fps=30.0,
                                                        transcript=transcript))
    jaw = animation.weights[:, ARKIT_NAMES.index("jawOpen")]
    return np.array([jaw[int(w.start * 30):int(w.end * 30) + 1].max() for w in words])


def test_a_take_that_falls_30_db_halfway_opens_the_jaw_alike_in_both_halves(take):
    """The product: the same sentences, said after the fall, open the jaw nearly as far as in a steady take
    (0.91 of it; 0.68 when every step reads the whole line's level)."""
    samples, words = take
    transcript = " ".join(SENTENCES + SENTENCES)
    steady = _jaw_peaks(samples, words, transcript)
    stepped = _jaw_peaks(_stepped(samples, words[len(words) // 2].start - 0.4, -30), words, transcript)
    after_fall = slice(len(words) // 2, None)
    ratio = stepped[after_fall].mean() / steady[after_fall].mean()
    assert ratio >= 0.85, f"the quiet half's jaw opens {ratio:.2f} of the steady take's"


@pytest.mark.parametrize("seed", range(30))
def test_over_generated_takes_the_gain_is_bounded_slow_and_never_clips(seed):
    """Invariant over generated takes (stretches of syllable-like noise at random levels, 2-15 s each, some of them
    digital silence): a take no longer than a window, or at one steady level, comes back as the same object; any other
    comes back as it is or as the same samples times one positive gain that stays within MOST_GAIN_DB of 1 (less the line's
    scaling under full scale), moves by at most 2 * MOST_GAIN_DB per second, and never drives a peak past
    PEAK_HEADROOM."""
    rng = np.random.default_rng(seed)
    pieces, steady_level = [], rng.uniform(-40, -6)
    one_level = seed % 3 == 0
    for _ in range(int(rng.integers(1, 8))):
        seconds = rng.uniform(2, 15)
        level = steady_level if one_level else rng.uniform(-50, -6)
        silent = not one_level and rng.random() < 0.2
        samples = int(seconds * RATE)
        # Noise in syllables (0.15 s sounding, 0.1 s silent, each 0-12 dB under the stretch's level), so that it
        # reads as speech over a silent floor, not as a steady room tone.
        syllable = np.arange(samples) // round(0.25 * RATE)
        sounding = (np.arange(samples) % round(0.25 * RATE)) < 0.15 * RATE
        loudness = 10 ** ((level - rng.uniform(0, 12, syllable[-1] + 1)[syllable]) / 20)
        noise = rng.standard_normal(samples) * loudness * sounding
        pieces.append(np.zeros_like(noise) if silent else noise)
    line = np.clip(np.concatenate(pieces), -1, 1).astype(np.float32)
    clip = AudioClip(line, RATE)
    steady = steadied(clip)
    if len(line) <= WINDOW_SECONDS * RATE or one_level:
        assert steady is clip
        return
    if steady is clip:  # no drift beyond the voice's own: nothing changed
        return
    assert np.abs(steady.samples).max() <= PEAK_HEADROOM + 1e-6
    sounding = np.abs(line) > 1e-4
    gain_db = 20 * np.log10(steady.samples[sounding] / line[sounding])
    scaled = min(1.0, PEAK_HEADROOM / max(np.abs(line).max() * 10 ** (MOST_GAIN_DB / 20), 1e-9))
    assert np.all(np.isfinite(gain_db)) and gain_db.max() <= MOST_GAIN_DB + 1e-3
    assert gain_db.min() >= -MOST_GAIN_DB + 20 * np.log10(scaled) - 1e-3
    seconds = np.flatnonzero(sounding) / RATE
    step = np.diff(gain_db) / np.maximum(np.diff(seconds), 1.0 / RATE)
    assert np.abs(step[np.diff(seconds) > 0.01]).max(initial=0.0) <= 2 * MOST_GAIN_DB
