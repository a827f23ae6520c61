"""Mouth clicks in pauses are found and brought down before recognition; speech is never taken for one."""

from __future__ import annotations

import numpy as np
import pytest
import soxr

from lipwright.audio.clip import AudioClip
from lipwright.audio.mouth_clicks import ABOVE_THRESHOLD_DB
from lipwright.audio.pause_noises import CUT_DB, pause_noises, without_pause_noises
from lipwright.synthetic.augment import inhalation, mouth_click
from tests.speech import clicking_line, synthesise

RATE = 16000
PHRASES = ["Bob kept the map by the big barn.", "Nobody knew where the old road went.",
           "The cat sat still.", "Give the ball to Paul and walk home."]
VOICES = [("flite", "awb"), ("flite", "rms"), ("espeak-ng", "en-us"), ("espeak-ng", "en-gb+f3")]


def _found(samples: np.ndarray, heard: bool = False, rate: int = RATE) -> tuple[np.ndarray, ...]:
    """(hop centres, click hops[, hops clearly heard when `heard`: ABOVE_THRESHOLD_DB over the sound threshold]),
    found as the pause-noise cut finds them."""
    clip = AudioClip(samples.astype(np.float32), rate)
    found = pause_noises(clip)
    clearly = found.level_db >= found.sound_db + ABOVE_THRESHOLD_DB
    return (found.times, found.clicks, clearly) if heard else (found.times, found.clicks)


def _in(times: np.ndarray, start: float, end: float) -> np.ndarray:
    return (times >= start) & (times <= end)


@pytest.mark.parametrize("engine, voice", VOICES)
@pytest.mark.parametrize("level", [-10.0, -20.0, -30.0])
def test_clicks_in_pauses_are_found_and_the_phrases_are_not(engine, voice, level):
    samples, clicks = clicking_line(PHRASES[:2], engine, voice, level)
    times, found, sound = _found(samples, heard=True)
    heard = 0
    for start, end in clicks:
        if sound[_in(times, start, end)].any():  # a faint one is left: the search hears it as pause
            heard += 1
            assert found[_in(times, start, end)].any(), f"click at {start:.2f} s not found"
    assert heard == len(clicks) or level < -10.0
    clicked = np.zeros(len(times), dtype=bool)
    for start, end in clicks:
        clicked |= _in(times, start - 0.01, end + 0.01)
    assert not found[~clicked].any(), f"speech at {times[found & ~clicked][:3]} s taken for a click"


# Phrases that open on a stop: its burst can stand apart from the vowel after a pause.
STOP_FIRST = ["Pam sat by the barn.", "Paul kept the map.", "Tom went home.", "Keep it up.", "Put it back.",
              "Carl took a cab."]


def test_generated_lines_no_speech_is_taken_for_a_click():
    """Phrases alone, from four voices and at two espeak-ng rates, after pauses of 0.15-0.8 s: short words
    after a pause ("the", a stop's burst before its vowel, a phrase-final stop's release after its closure) are
    speech."""
    rng = np.random.default_rng(2026)
    phrases = PHRASES + STOP_FIRST
    for _ in range(24):
        engine, voice = VOICES[rng.integers(len(VOICES))]
        pieces = []
        for _ in range(rng.integers(2, 4)):
            pieces.append(np.zeros(int(rng.uniform(0.15, 0.8) * RATE), dtype=np.float32))
            pieces.append(synthesise(phrases[rng.integers(len(phrases))], engine, voice, sample_rate=RATE,
                                     rate=int(rng.choice([120, 175])) if engine == "espeak-ng" else None))
        pieces.append(np.zeros(RATE // 4, dtype=np.float32))
        times, found = _found(np.concatenate(pieces))
        assert not found.any(), f"{engine} {voice}: speech at {times[found][:3]} s taken for a click"


def test_generated_lines_every_clear_click_found_no_speech_taken():
    """30 lines of two to four phrases (stop-initial ones among them) from four voices, each after a pause of
    0.4-0.9 s holding up to three clicks 5-25 dB under the phrase's peak, each 0.15 s or more after the phrase
    before, 70 ms or more before the one after and apart from one another. Every click heard clearly (its peak 1 dB
    past the margin) is found, and nothing else is."""
    rng = np.random.default_rng(37)
    phrases = PHRASES + STOP_FIRST
    for line in range(30):
        engine, voice = VOICES[rng.integers(len(VOICES))]
        pieces, clicks, cursor = [], [], 0
        for _ in range(rng.integers(2, 5)):
            phrase = synthesise(phrases[rng.integers(len(phrases))], engine, voice, sample_rate=RATE)
            quiet = np.zeros(int(rng.uniform(0.4, 0.9) * RATE), dtype=np.float32)
            room = (int(0.15 * RATE) if cursor else 0, len(quiet) - int(0.09 * RATE))
            for start in sorted(rng.choice(np.arange(room[0], room[1], int(0.07 * RATE)),
                                           size=rng.integers(0, 4), replace=False)):
                sound = mouth_click(RATE, rng) * np.abs(phrase).max() * 10 ** (rng.uniform(-25.0, -5.0) / 20)
                quiet[start:start + len(sound)] = sound
                clicks.append(((cursor + start) / RATE, (cursor + start + len(sound)) / RATE))
            pieces += [quiet, phrase]
            cursor += len(quiet) + len(phrase)
        noises = pause_noises(AudioClip(np.concatenate(pieces + [np.zeros(RATE // 4, np.float32)]), RATE))
        times, found = noises.times, noises.clicks
        clicked = np.zeros(len(times), dtype=bool)
        for start, end in clicks:
            span = _in(times, start, end)
            clicked |= _in(times, start - 0.01, end + 0.01)
            if noises.level_db[span].max() >= noises.sound_db + ABOVE_THRESHOLD_DB + 1.0:
                assert found[span].any(), f"line {line} ({engine} {voice}): click at {start:.2f} s not found"
        assert not found[~clicked].any(), f"line {line} ({engine} {voice}): speech at {times[found & ~clicked][:3]} s"


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


def _click(seed: int = 3) -> np.ndarray:
    return 0.2 * mouth_click(RATE, np.random.default_rng(seed))


def test_a_click_after_an_inhale_is_found():
    """An inhale, then 60 ms later a click, then the phrase: the inhale counts as quiet before the click."""
    rng = np.random.default_rng(5)
    phrase = synthesise(PHRASES[0], "flite", "rms", sample_rate=RATE)
    breath = inhalation(int(0.35 * RATE), RATE, rng) * np.sqrt(np.mean(phrase ** 2)) * 10 ** (-20 / 20)
    gap = np.zeros(int(0.06 * RATE), np.float32)
    samples = np.concatenate([phrase, np.zeros(int(0.5 * RATE), np.float32), breath.astype(np.float32), gap,
                              _click(), np.zeros(int(0.1 * RATE), np.float32), phrase])
    start = (len(phrase) + int(0.5 * RATE) + len(breath) + len(gap)) / RATE
    times, found = _found(samples)
    assert found[_in(times, start, start + 0.02)].any()


def test_two_clicks_in_a_row_are_both_found():
    samples = _pause_then(np.concatenate([_click(3), np.zeros(int(0.08 * RATE), np.float32), _click(4)]))
    times, found = _found(samples)
    runs = np.flatnonzero(np.diff(np.concatenate([[0], found.astype(int), [0]])) == 1)
    assert len(runs) == 2


@pytest.mark.parametrize("before_voice, expected", [(0.1, True), (0.06, True), (0.02, False)])
def test_a_click_close_before_the_voice_is_left_as_a_burst(before_voice, expected):
    """A stop's burst can stand a few tens of milliseconds before its aspiration; a click 50 ms or more before the
    voice stands apart."""
    _, found = _found(_pause_then(_click(), after=before_voice))
    assert found.any() == expected


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_clicks_are_found_at_any_sample_rate(rate):
    samples, clicks = clicking_line(PHRASES[:2], "flite", "awb", -10.0)
    times, found = _found(soxr.resample(samples, RATE, rate), rate=rate)
    for start, end in clicks:
        assert found[_in(times, start, end)].any(), f"click at {start:.2f} s not found at {rate} Hz"
    clicked = np.zeros(len(times), dtype=bool)
    for start, end in clicks:
        clicked |= _in(times, start - 0.01, end + 0.01)
    assert not found[~clicked].any()


def test_nothing_in_a_whispered_line_is_a_click():
    """Short whispered words after pauses are unvoiced, as a click is: in a line with no voice, none is taken."""
    pieces = []
    for word in ("It.", "Uh.", "It.", "Uh."):
        pieces += [np.zeros(int(0.5 * RATE), np.float32),
                   synthesise(word, "espeak-ng", "en+whisper", rate=380, sample_rate=RATE)]
    _, found = _found(np.concatenate(pieces + [np.zeros(RATE // 4, np.float32)]))
    assert not found.any()


def test_a_clip_too_short_to_hear_a_voice_in_has_no_click():
    """24 ms of a 120 Hz voice: shorter than the voicing window, so nothing says it is unvoiced."""
    t = np.arange(int(0.024 * RATE)) / RATE
    voice = 0.3 * np.sin(2 * np.pi * 120 * t)
    _, found = _found(voice)
    assert not found.any()


def test_a_faint_transient_just_over_the_sound_threshold_is_speech():
    """A burst that rises only a few dB over the sound threshold (a weak p after a comma's pause, the faint edge of
    a fricative) is left; the same burst clearly over it is a click."""
    click = mouth_click(RATE, np.random.default_rng(3))
    probe = _pause_then(0.2 * click)
    noises = pause_noises(AudioClip(probe, RATE))
    times, level, threshold = noises.times, noises.level_db, noises.sound_db
    at = len(synthesise(PHRASES[2], "flite", "awb", sample_rate=RATE)) / RATE + 0.5
    peak = level[_in(times, at, at + 0.02)].max()
    for over, expected in ((3.0, False), (12.0, True)):  # dB over the threshold
        _, found = _found(_pause_then(0.2 * click * 10 ** ((threshold + over - peak) / 20)))
        assert found.any() == expected, over
