"""Inhales before phrases are found, whatever their level, length and gap before the voice; speech is never
taken for one: not a phrase-initial s before a stop ("stop", "speak") or a stop's burst, not a phrase-final stop
or s, not a whispered line."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
import soxr
from scipy.linalg import solve_toeplitz
from scipy.signal import get_window, lfilter

from lipwright.audio.clip import AudioClip
from lipwright.audio.pause_noises import CUT_DB, pause_noises, without_pause_noises
from lipwright.audio.voicing import voiced_steps
from lipwright.audio.loudness import HOP_SECONDS, energy_envelope, noise_floor_db, sound_threshold_db
from lipwright.audio.loudness import SPEECH_FLOOR_DB
from lipwright.synthetic.augment import coloured_noise, inhalation
from tests.speech import synthesise

RATE = 16000
PHRASES = ["Bob kept the map by the big barn.", "Nobody knew where the old road went.",
           "Maybe the cat will sit on the mat.", "Give the ball to Paul and walk home."]
VOICES = [("flite", "awb"), ("flite", "rms"), ("espeak-ng", "en-us"), ("espeak-ng", "en-gb+f3")]


@cache
def _phrase(text: str, engine: str, voice: str, slow: bool = False) -> np.ndarray:
    return synthesise(text, engine, voice, rate=110 if slow and engine == "espeak-ng" else None)


@dataclass
class Line:
    samples: np.ndarray
    inhales: list[tuple[float, float]]
    phrases: list[tuple[float, float]]


def _line(parts: list[tuple[float, float | None, float, float, np.ndarray]], rng: np.random.Generator) -> Line:
    """Each part: (pause s, inhale level in dB against the phrase's RMS or None, inhale s, gap s, phrase)."""
    pieces, inhales, phrases, cursor = [], [], [], 0
    for pause, level, seconds, gap, phrase in parts:
        quiet = np.zeros(int((pause + seconds + gap) * RATE), dtype=np.float32)
        if level is not None:
            breath = inhalation(int(seconds * RATE), RATE, rng) * np.sqrt(np.mean(phrase ** 2)) * 10 ** (level / 20)
            start = int(pause * RATE)
            quiet[start:start + len(breath)] = breath
            inhales.append(((cursor + start) / RATE, (cursor + start + len(breath)) / RATE))
        cursor += len(quiet)
        phrases.append((cursor / RATE, (cursor + len(phrase)) / RATE))
        pieces += [quiet, phrase]
        cursor += len(phrase)
    pieces.append(np.zeros(RATE // 2, dtype=np.float32))
    return Line(np.concatenate(pieces), inhales, phrases)


def _found(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hop centres, inhale hops, sound hops), found as the pause-noise cut finds them."""
    found = pause_noises(AudioClip(samples.astype(np.float32), RATE))
    return found.times, found.inhales, found.level_db > found.sound_db


def _within(times: np.ndarray, spans: list[tuple[float, float]]) -> list[np.ndarray]:
    return [(times >= start) & (times <= end) for start, end in spans]


def _check(line: Line, shortest: float = 0.1) -> int:
    """How many inhales were heard (`shortest` s or more of them above the sound threshold: one heard less leaves
    at most a sliver of a phone); each was found."""
    times, found, sound = _found(line.samples)
    heard_inhales = 0
    for inhale, span in zip(_within(times, line.inhales), line.inhales):
        heard = inhale & sound
        if heard.sum() * HOP_SECONDS >= shortest:
            heard_inhales += 1
            assert found[heard].mean() >= 0.9, f"inhale at {span[0]:.2f} s: {found[heard].mean():.2f} of it found"
    for phrase, span in zip(_within(times, line.phrases), line.phrases):
        assert not found[phrase].any(), f"phrase at {span[0]:.2f} s taken for an inhale"
    return heard_inhales


@pytest.mark.parametrize("engine, voice", VOICES)
@pytest.mark.parametrize("level", [-15.0, -25.0, -30.0])
def test_an_inhale_before_each_phrase_is_found_and_the_phrases_are_not(engine, voice, level):
    rng = np.random.default_rng(0)
    heard = _check(_line([(0.4, level, 0.35, 0.1, _phrase(PHRASES[0], engine, voice)),
                  (0.5, level, 0.3, 0.06, _phrase(PHRASES[1], engine, voice))], rng))
    assert heard == 2 or level < -25.0  # 30 dB under the phrase, an inhale may be heard too little to matter


def test_generated_lines_every_inhale_found_no_speech_taken():
    """40 lines of two to four phrases from four voices, each phrase after a pause of 0.3-0.8 s then an inhale
    0.3-0.6 s long (shorter ones as loud as an s cannot be told from one), 15-38 dB under the phrase, ending
    45-250 ms before it (or no inhale)."""
    rng = np.random.default_rng(2026)
    heard = 0
    for _ in range(40):
        engine, voice = VOICES[rng.integers(len(VOICES))]
        parts = []
        for _ in range(rng.integers(2, 5)):
            gap, seconds = rng.uniform(0.045, 0.25), rng.uniform(0.3, 0.6)
            level = None if rng.random() < 0.2 else rng.uniform(-38.0, -15.0)
            parts.append((rng.uniform(0.3, 0.8), level, seconds, gap,
                          _phrase(PHRASES[rng.integers(len(PHRASES))], engine, voice)))
        heard += _check(_line(parts, rng))
    assert heard >= 60


def test_generated_lines_every_catch_breath_found_no_speech_taken():
    """30 lines of two to four phrases from four voices, each phrase after a pause of 0.3-0.8 s then a quick
    catch-breath 0.1-0.2 s long, 5-15 dB under the phrase (as short and loud as an s), ending 45-150 ms before it."""
    rng = np.random.default_rng(37)
    heard = 0
    for _ in range(30):
        engine, voice = VOICES[rng.integers(len(VOICES))]
        parts = [(rng.uniform(0.3, 0.8), rng.uniform(-15.0, -5.0), rng.uniform(0.1, 0.2), rng.uniform(0.045, 0.15),
                  _phrase(PHRASES[rng.integers(len(PHRASES))], engine, voice)) for _ in range(rng.integers(2, 5))]
        heard += _check(_line(parts, rng), shortest=0.08)
    assert heard >= 60


S_CLUSTERS = ["Stop the car.", "Speak to me.", "Sky blue paint.", "Stay right here.", "Spot the dog.",
              "Strong winds blew.", "Skip the line.", "Spare some change."]
STOPS = ["He stops.", "Look at the cats.", "It is the top.", "Take the steps.", "Pack it.", "Put it back.",
         "Call Kate."]


@pytest.mark.parametrize("engine, voice", VOICES)
def test_speech_alone_has_no_inhale(engine, voice):
    """Phrase-initial s-stop clusters spoken slowly (the stop's closure sets the s apart), phrase-initial stops
    (a burst can stand apart from its vowel) and phrase-final stops and s after their closure, each phrase
    between pauses."""
    for texts in (S_CLUSTERS, STOPS):
        parts = [(0.5, None, 0.0, 0.0, _phrase(text, engine, voice, slow=True)) for text in texts]
        line = _line(parts, np.random.default_rng(0))
        times, found, _ = _found(line.samples)
        assert not found.any(), f"{times[found][:1]} s of {engine} {voice} taken for an inhale"


@pytest.mark.parametrize("engine, voice", VOICES)
@pytest.mark.parametrize("level", [-10.0, -15.0])
def test_a_quick_loud_catch_breath_is_found(engine, voice, level):
    """0.12-0.16 s and 10-15 dB under the phrase: as short and loud as an s, but lower in pitch."""
    rng = np.random.default_rng(1)
    heard = _check(_line([(0.4, level, 0.12, 0.08, _phrase(PHRASES[0], engine, voice)),
                          (0.5, level, 0.16, 0.1, _phrase(PHRASES[1], engine, voice))], rng), shortest=0.08)
    assert heard == 2


def _whispered(speech: np.ndarray, order: int = 8, broadening: float = 0.8) -> np.ndarray:
    """`speech` whispered: one noise, shaped 25 ms at a time by the frame's vocal tract (its linear-prediction
    filter, formants broadened by `broadening`) at the frame's level, overlap-added in 6.25 ms steps. Formants
    and no pitch; broad enough that none of it reads as a voice (narrow resonances ring like one)."""
    window, hop = 400, 100
    noise = np.random.default_rng(0).standard_normal(len(speech) + window)
    taper = get_window("hann", window)
    out = np.zeros(len(speech) + window)
    for first in range(0, len(speech) - window, hop):
        frame = speech[first:first + window] * taper
        correlation = np.correlate(frame, frame, "full")[window - 1:window + order]
        if correlation[0] <= 1e-9:
            continue
        coefficients = solve_toeplitz(correlation[:order] * (1 + 1e-9 * np.eye(1, order)[0]), correlation[1:order + 1])
        coefficients *= broadening ** np.arange(1, order + 1)
        shaped = lfilter([1.0], np.concatenate([[1.0], -coefficients]), noise[first:first + window])
        shaped *= np.sqrt(np.mean(frame ** 2) / max(np.mean((shaped * taper) ** 2), 1e-20))
        out[first:first + window] += shaped * taper * 0.5  # a periodic Hann at a quarter step sums to 2
    return out[:len(speech)].astype(np.float32)


def test_a_whispered_line_keeps_its_words():
    """A whisper has no voice at all: each phrase would read as an inhale, so nothing is taken out of the line."""
    parts = [(0.5, None, 0.0, 0.0, _whispered(_phrase(text, "flite", "awb"))) for text in PHRASES]
    line = _line(parts, np.random.default_rng(0))
    assert voiced_steps(AudioClip(line.samples, RATE)).mean() < 0.05  # truly whispered
    times, found, sound = _found(line.samples)
    assert sound.sum() * HOP_SECONDS > 3.0
    assert not found.any()


def test_an_inhale_that_opens_a_line_is_found():
    """Dialogue is often trimmed close to the breath: an inhale at the very start of a line, or 0.1 s in, is an
    inhale as after any pause."""
    rng = np.random.default_rng(8)
    phrase = _phrase(PHRASES[0], "flite", "rms")
    breath = (inhalation(int(0.4 * RATE), RATE, rng) * np.sqrt(np.mean(phrase ** 2)) * 0.1).astype(np.float32)
    for lead in (0.0, 0.1):
        samples = np.concatenate([np.zeros(int(lead * RATE), np.float32), breath, np.zeros(RATE // 10, np.float32),
                                  phrase, np.zeros(RATE // 2, np.float32)])
        times, found, sound = _found(samples)
        during = (times >= lead) & (times <= lead + 0.4)
        assert found[during & sound].mean() >= 0.9 and not found[times > lead + 0.5].any()


def test_silence_has_no_inhale():
    times, found, _ = _found(np.zeros(RATE, dtype=np.float32))
    assert not found.any()


def _two_inhales(seed: int = 1) -> Line:
    return _line([(0.4, -20.0, 0.35, 0.1, _phrase(PHRASES[0], "flite", "rms")),
                  (0.5, -20.0, 0.4, 0.08, _phrase(PHRASES[1], "flite", "rms"))], np.random.default_rng(seed))


def test_only_the_inhales_are_brought_down_under_the_sound_threshold():
    line = _two_inhales()
    clip = AudioClip(line.samples, RATE)
    quieter = without_pause_noises(clip)
    times = np.arange(len(line.samples)) / RATE
    hops, _, sound = _found(line.samples)
    _, energy = energy_envelope(quieter)
    level = 10 * np.log10(energy + 1e-12)
    threshold = sound_threshold_db(10 * np.log10(energy_envelope(clip)[1] + 1e-12), SPEECH_FLOOR_DB)
    for inhale in _within(hops, line.inhales):
        assert inhale.any() and (level[inhale] < threshold - 10).all()  # pause to every step after
    for start, end in line.inhales:
        inside = (times >= start) & (times <= end)
        before, after = np.sum(line.samples[inside] ** 2), np.sum(quieter.samples[inside] ** 2)
        assert 10 * np.log10(after / before) < -CUT_DB + 3  # its faint swell and fade too
    for start, end in line.phrases:
        inside = (times >= start) & (times <= end)
        assert np.array_equal(quieter.samples[inside], line.samples[inside])
    assert quieter.samples.dtype == np.float32 and quieter.sample_rate == RATE
    # Faded in and out: the gain never jumps from one sample to the next.
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(np.abs(line.samples) > 1e-6, quieter.samples / line.samples, np.nan)
    assert np.nanmax(np.abs(np.diff(gain))) < 0.05


def test_the_cut_stops_halfway_to_the_voice():
    """Faint sound (the inhale's long fade, the voice's soft start) fills the gap before each phrase: the cut
    reaches over it no further than halfway, and the phrase is heard exactly as it was."""
    line = _two_inhales(2)
    samples = line.samples.copy()
    noise = np.random.default_rng(3).standard_normal(len(samples)).astype(np.float32)
    gap_level = np.sqrt(np.mean(_phrase(PHRASES[0], "flite", "rms") ** 2)) * 10 ** (-50 / 20)
    for (breath, end), (start, _) in zip(line.inhales, line.phrases):
        gap = slice(int((end - 0.2 * (end - breath)) * RATE), int(start * RATE))  # over the inhale's own fade too
        samples[gap] += noise[gap] * gap_level
    # ... and the pause before the second inhale, from the first phrase's end (digital silence elsewhere keeps
    # the line's noise floor far below).
    pause = slice(int(line.phrases[0][1] * RATE), int((line.inhales[1][0] + 0.1) * RATE))
    samples[pause] += noise[pause] * gap_level
    quieter = without_pause_noises(AudioClip(samples, RATE))
    times = np.arange(len(samples)) / RATE
    for (_, end), (start, _) in zip(line.inhales, line.phrases):
        assert not np.array_equal(quieter.samples[int(end * RATE):int(start * RATE)],
                                  samples[int(end * RATE):int(start * RATE)])  # the cut reached into the gap
        near = (times >= 0.5 * (end + start) + HOP_SECONDS) & (times < start + 1.0)
        assert np.array_equal(quieter.samples[near], samples[near])
    first_end, breath = line.phrases[0][1], line.inhales[1][0]
    assert not np.array_equal(quieter.samples[int(first_end * RATE):int(breath * RATE)],
                              samples[int(first_end * RATE):int(breath * RATE)])
    near = (times > line.phrases[0][1] - 1.0) & (times <= 0.5 * (first_end + breath) - HOP_SECONDS)
    assert np.array_equal(quieter.samples[near], samples[near])


def test_under_room_tone_an_inhale_is_brought_to_the_floor_not_through_it():
    """A hole 40 dB deep in room tone would drag the noise floor down, and the pause edges would then hear the room
    tone itself as sound. Brought to the floor, the line's floor and threshold stay, and a second pass finds
    nothing more to take out."""
    line = _two_inhales(4)
    tone = coloured_noise(len(line.samples), "pink", np.random.default_rng(5), RATE)
    speech_rms = np.sqrt(np.mean(_phrase(PHRASES[0], "flite", "rms") ** 2))
    samples = (line.samples + tone * speech_rms * 10 ** (-40 / 20)).astype(np.float32)
    clip = AudioClip(samples, RATE)
    quieter = without_pause_noises(clip)
    assert quieter is not clip

    def floor_and_threshold(heard: AudioClip) -> tuple[float, float]:
        level = 10 * np.log10(energy_envelope(heard)[1] + 1e-12)
        return noise_floor_db(level), sound_threshold_db(level, SPEECH_FLOOR_DB)

    (floor, threshold), (floor_after, threshold_after) = floor_and_threshold(clip), floor_and_threshold(quieter)
    assert floor_after == pytest.approx(floor, abs=1.0) and threshold_after == pytest.approx(threshold, abs=1.0)
    times, found, _ = _found(samples)
    for inhale in _within(times, line.inhales):
        assert found[inhale].any()
    assert without_pause_noises(quieter) is quieter


def test_a_long_line_at_44_1_khz_is_read_in_its_own_hops():
    """energy_envelope's hop is 220 samples at 44.1 kHz (4.989 ms): read as 5 ms, the voicing of a minute-long
    line's end was looked up 0.14 s late (0.2 s at 80 s), and its last inhales were missed."""
    rng = np.random.default_rng(6)
    phrases = [_phrase(PHRASES[k % len(PHRASES)], *VOICES[k % 2]) for k in range(28)]
    line = _line([(0.5, -20.0, 0.4, 0.1, phrase) for phrase in phrases], rng)
    assert len(line.samples) / RATE > 75
    wide = soxr.resample(line.samples, RATE, 44100).astype(np.float32)
    noises = pause_noises(AudioClip(wide, 44100))
    times, found, sound = noises.times, noises.inhales, noises.level_db > noises.sound_db
    for inhale, span in zip(_within(times, line.inhales), line.inhales):
        assert found[inhale & sound].mean() >= 0.9, f"inhale at {span[0]:.1f} s missed"
    for phrase in _within(times, line.phrases):
        assert not found[phrase].any()


def test_a_line_without_inhales_is_the_same_line():
    clip = AudioClip(_line([(0.5, None, 0.0, 0.0, _phrase(text, "flite", "rms")) for text in PHRASES],
                           np.random.default_rng(0)).samples, RATE)
    assert without_pause_noises(clip) is clip


def test_on_a_narrowband_line_a_short_loud_hiss_is_not_told_from_an_s_by_pitch():
    """Through an 8 kHz channel an s keeps only what lies under 4 kHz, as low as an inhale: a 0.12 s hiss there,
    as loud as the speech and 40 ms before it, may be an s and stays. On a wideband line the same hiss is low for an
    s: an inhale."""
    phrase = _phrase(PHRASES[0], "flite", "rms")
    for rate, expected in ((8000, False), (RATE, True)):
        rng = np.random.default_rng(2)
        spoken = soxr.resample(phrase, RATE, rate) if rate != RATE else phrase
        hiss = butter_hiss(int(0.12 * rate), (1000.0, 3600.0), rate, rng) * np.sqrt(np.mean(spoken ** 2))
        line = np.concatenate([np.zeros(rate // 2), hiss, np.zeros(int(0.04 * rate)), spoken, np.zeros(rate // 2)])
        heard = soxr.resample(line, rate, RATE) if rate != RATE else line
        assert _found(heard.astype(np.float32))[1].any() == expected, rate


def butter_hiss(length: int, band: tuple[float, float], rate: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise in `band` (Hz) at `rate`, faded in and out over 10 ms."""
    from scipy.signal import butter, sosfilt

    noise = sosfilt(butter(8, band, "bandpass", fs=rate, output="sos"), rng.standard_normal(length))
    fade = np.minimum(1.0, np.minimum(np.arange(length), np.arange(length)[::-1]) / (0.01 * rate))
    noise *= fade
    return noise / np.sqrt(np.mean(noise ** 2))
