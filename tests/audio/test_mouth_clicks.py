"""Mouth clicks in pauses are found and brought down before recognition; speech is never taken for one."""

from __future__ import annotations

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.inhales import inhale_hops
from lipwright.audio.loudness import HOP_SECONDS, SPEECH_FLOOR_DB, energy_envelope, sound_threshold_db
from lipwright.audio.mouth_clicks import click_hops
from lipwright.audio.pause_noises import CUT_DB, without_pause_noises
from lipwright.synthetic.augment import mouth_click
from tests.speech import clicking_line, synthesise

RATE = 16000
PHRASES = ["Bob kept the map by the big barn.", "Nobody knew where the old road went.",
           "The cat sat still.", "Give the ball to Paul and walk home."]
VOICES = [("flite", "awb"), ("flite", "rms"), ("espeak-ng", "en-us"), ("espeak-ng", "en-gb+f3")]


def _found(samples: np.ndarray, heard: bool = False) -> tuple[np.ndarray, ...]:
    """(hop centres, click hops[, sound hops when `heard`]), sound judged as the pause-noise cut judges it."""
    clip = AudioClip(samples.astype(np.float32), RATE)
    times, energy = energy_envelope(clip)
    level = 10 * np.log10(energy + 1e-12)
    threshold = sound_threshold_db(level, SPEECH_FLOOR_DB)
    found = click_hops(clip, level, threshold, inhale_hops(clip, level, threshold))
    return (times, found, level > threshold) if heard else (times, found)


def _in(times: np.ndarray, start: float, end: float) -> np.ndarray:
    return (times >= start) & (times <= end)


@pytest.mark.parametrize("engine, voice", VOICES)
@pytest.mark.parametrize("level", [-10.0, -20.0, -30.0])
def test_clicks_in_pauses_are_found_and_the_phrases_are_not(engine, voice, level):
    samples, clicks = clicking_line(PHRASES[:2], engine, voice, level)
    times, found, sound = _found(samples, heard=True)
    heard = 0
    for start, end in clicks:
        if sound[_in(times, start, end)].any():  # one under the sound threshold is pause already
            heard += 1
            assert found[_in(times, start, end)].any(), f"click at {start:.2f} s not found"
    assert heard == len(clicks) or level < -20.0
    clicked = np.zeros(len(times), dtype=bool)
    for start, end in clicks:
        clicked |= _in(times, start - 0.01, end + 0.01)
    assert not found[~clicked].any(), f"speech at {times[found & ~clicked][:3]} s taken for a click"


def test_generated_lines_no_speech_is_taken_for_a_click():
    """Phrases alone, from four voices and at two espeak-ng rates, after pauses of 0.15-0.8 s: short words
    after a pause ("the", a phrase-final stop's release after its closure) are speech."""
    rng = np.random.default_rng(2026)
    for _ in range(24):
        engine, voice = VOICES[rng.integers(len(VOICES))]
        pieces = []
        for _ in range(rng.integers(2, 4)):
            pieces.append(np.zeros(int(rng.uniform(0.15, 0.8) * RATE), dtype=np.float32))
            pieces.append(synthesise(PHRASES[rng.integers(len(PHRASES))], engine, voice, sample_rate=RATE,
                                     rate=int(rng.choice([120, 175])) if engine == "espeak-ng" else None))
        pieces.append(np.zeros(RATE // 4, dtype=np.float32))
        times, found = _found(np.concatenate(pieces))
        assert not found.any(), f"{engine} {voice}: speech at {times[found][:3]} s taken for a click"


def _pause_then(sound: np.ndarray, pause: float = 0.5, after: float = 0.3) -> np.ndarray:
    """A phrase, `pause` s of silence, `sound`, `after` s of silence, and a vowel's voice (no faint onset)."""
    phrase = synthesise(PHRASES[2], "flite", "awb", sample_rate=RATE)
    t = np.arange(int(0.3 * RATE)) / RATE
    vowel = 0.3 * sum(np.sin(2 * np.pi * 110 * k * t) / k for k in range(1, 20)).astype(np.float32)
    gap = np.zeros(int(pause * RATE), dtype=np.float32)
    return np.concatenate([phrase, gap, sound.astype(np.float32), np.zeros(int(after * RATE), np.float32), vowel,
                           np.zeros(RATE // 4, np.float32)])


def test_a_short_voiced_sound_after_a_pause_is_not_a_click():
    """35 ms of a 120 Hz voice (a clipped "uh"), as loud as a click: periodic, so speech."""
    t = np.arange(int(0.035 * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 12)) * np.hanning(len(t))
    samples = _pause_then(0.3 * voice / np.abs(voice).max())
    _, found = _found(samples)
    assert not found.any()


def test_a_click_needs_a_pause_before_it_and_room_after_it():
    rng = np.random.default_rng(3)
    click = 0.2 * mouth_click(RATE, rng)
    _, found = _found(_pause_then(click, pause=0.5))
    assert found.any()  # the control: the same click after a pause
    _, found = _found(_pause_then(click, pause=0.1))  # as close to speech as a final stop's release after its closure
    assert not found.any()
    _, found = _found(_pause_then(click, pause=0.5, after=0.01))  # runs into the phrase: maybe a stop's burst
    assert not found.any()


def test_a_long_transient_is_not_a_click():
    """Noise 60 ms long after a pause (longer than LONGEST_SECONDS): not taken."""
    noise = np.random.default_rng(4).standard_normal(int(0.06 * RATE)) * 0.05
    _, found = _found(_pause_then(noise))
    assert not found.any()


def test_the_clicks_are_brought_down_and_the_phrases_kept():
    samples, clicks = clicking_line(PHRASES[:2], "flite", "rms", -15.0)
    clip = AudioClip(samples, RATE)
    quieter = without_pause_noises(clip)
    for start, end in clicks:
        span = slice(int(start * RATE), int(end * RATE))
        before = float(np.mean(samples[span] ** 2))
        after = float(np.mean(quieter.samples[span] ** 2))
        assert 10 * np.log10(after / before) < -CUT_DB + 3
    speech = np.ones(len(samples), dtype=bool)
    for start, end in clicks:
        speech[int((start - 0.01) * RATE):int((end + 0.01) * RATE)] = False
    np.testing.assert_array_equal(quieter.samples[speech], samples[speech])
    assert without_pause_noises(quieter) is quieter  # nothing left to take


def test_a_mouth_click_is_short_sharp_and_seeded():
    one = mouth_click(RATE, np.random.default_rng(1))
    assert 0.012 * RATE <= len(one) <= 0.020 * RATE
    assert np.abs(one).max() == pytest.approx(1.0)
    # Sharp: most of its energy in its loudest 5 ms.
    power = one ** 2
    window = int(0.005 * RATE)
    assert np.convolve(power, np.ones(window), "valid").max() > 0.6 * power.sum()
    np.testing.assert_array_equal(one, mouth_click(RATE, np.random.default_rng(1)))
    assert not np.array_equal(one, mouth_click(RATE, np.random.default_rng(2)))
    assert len(mouth_click(8000, np.random.default_rng(1))) <= 0.020 * 8000  # any rate: ringing under Nyquist
