"""Real synthetic speech for tests: spoken lines from espeak-ng or flite, and lines with known timing."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from lipwright.demo.speech import synthesize


def speak(text: str, path: str | Path, engine: str = "espeak-ng", voice: str | None = None,
          rate: int | None = None) -> Path:
    """Write `text` spoken by `engine` to the WAV file `path` (the demo's own synthesiser).

    voice: an espeak-ng voice ('en-us', 'en-gb', 'en-us+f3') or a flite voice (awb, rms; never kal or slt, which are kept out for evaluation).
    rate: words per minute."""
    return synthesize(text, Path(path), engine=engine, voice=voice, rate=rate)


def synthesise(text: str, engine: str = "espeak-ng", voice: str | None = None, rate: int | None = None,
               sample_rate: int = 16000) -> np.ndarray:
    """`text` spoken as mono float32 samples at `sample_rate`, leading and trailing silence trimmed."""
    with tempfile.TemporaryDirectory() as folder:
        samples, rate_in = soundfile.read(speak(text, Path(folder) / "word.wav", engine, voice, rate),
                                          dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    if rate_in != sample_rate:
        mono = soxr.resample(mono, rate_in, sample_rate).astype(np.float32)
    return trim_silence(mono, sample_rate)


def trim_silence(samples: np.ndarray, sample_rate: int, threshold_db: float = -45.0) -> np.ndarray:
    """Cut the stretches quieter than `threshold_db` (relative to the peak, 5 ms windows) at both ends."""
    level = short_time_db(samples, sample_rate)
    hop = int(0.005 * sample_rate)
    loud = np.flatnonzero(level > level.max() + threshold_db)
    return samples[loud[0] * hop:(loud[-1] + 1) * hop].copy()


def short_time_db(samples: np.ndarray, sample_rate: int, hop_seconds: float = 0.005) -> np.ndarray:
    """RMS level in dB of consecutive `hop_seconds` windows."""
    hop = int(hop_seconds * sample_rate)
    n = len(samples) // hop
    energy = (samples[:n * hop].astype(np.float64).reshape(n, hop) ** 2).mean(axis=1)
    return 10 * np.log10(energy + 1e-12)


@dataclass(frozen=True)
class Span:
    """A stretch of a composed line, in seconds."""

    text: str
    start: float
    end: float

    @property
    def centre(self) -> float:
        return 0.5 * (self.start + self.end)


@dataclass
class ComposedLine:
    """A line built from separately synthesised words and silences of known lengths."""

    samples: np.ndarray
    sample_rate: int
    words: list[Span]
    silences: list[Span]

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate

    def write(self, path: str | Path) -> Path:
        soundfile.write(str(path), self.samples, self.sample_rate, subtype="PCM_16")
        return Path(path)

    def closures(self, word: Span, min_gap: float = 0.025, depth_db: float = 30.0) -> list[Span]:
        """Low-energy gaps inside `word`: the silent hold of a plosive (p, b, t, k ...) between sounds.

        A gap is a run of 5 ms windows `depth_db` below the word's peak, at least `min_gap` long."""
        first, last = int(word.start * self.sample_rate), int(word.end * self.sample_rate)
        level = short_time_db(self.samples[first:last], self.sample_rate)
        quiet = level < level.max() - depth_db
        gaps, run_start = [], None
        for i, is_quiet in enumerate(np.append(quiet, False)):
            if is_quiet and run_start is None:
                run_start = i
            elif not is_quiet and run_start is not None:
                # Only gaps with sound on both sides are closures; edges are the word's own silence.
                if run_start > 0 and i < len(quiet) and (i - run_start) * 0.005 >= min_gap:
                    gaps.append(Span(word.text, word.start + run_start * 0.005, word.start + i * 0.005))
                run_start = None
        return gaps


def compose_line(parts: list[str | float], engine: str = "espeak-ng", voice: str | None = None,
                 rate: int | None = None, sample_rate: int = 16000) -> ComposedLine:
    """Concatenate spoken words (str) and silences (float seconds) in order, knowing where each lies."""
    pieces, words, silences, cursor = [], [], [], 0
    for part in parts:
        if isinstance(part, str):
            audio = synthesise(part, engine, voice, rate, sample_rate)
            words.append(Span(part, cursor / sample_rate, (cursor + len(audio)) / sample_rate))
        else:
            audio = np.zeros(int(round(part * sample_rate)), dtype=np.float32)
            silences.append(Span("", cursor / sample_rate, (cursor + len(audio)) / sample_rate))
        pieces.append(audio)
        cursor += len(audio)
    samples = np.concatenate(pieces).astype(np.float32)
    return ComposedLine(samples, sample_rate, words, silences)


def flite_with_phone_timings(text: str, voice: str, path: str | Path) -> list[tuple[str, float, float]]:
    """`text` spoken by flite's `voice` into the WAV file `path`; its phones as (ARPAbet label in upper
    case, start s, end s), flite's own timings (`-psdur`), pauses as 'PAU'."""
    printed = subprocess.run(["flite", "-voice", voice, "-psdur", "-t", text, "-o", str(path)],
                             check=True, capture_output=True, text=True).stdout.split()
    timings, start = [], 0.0
    for label, end in (item.rsplit(":", 1) for item in printed):
        timings.append((label.upper(), start, float(end)))
        start = float(end)
    return timings


def breathing_line(texts: list[str], engine: str, voice: str, level_db: float = -20.0,
                   seed: int = 7) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """`texts` spoken one after another at 16 kHz, each after 0.5 s of silence and then a 0.35 s inhale
    (synthetic.augment.inhalation) `level_db` under the phrase, ending 0.1 s before it; 0.5 s of silence after.
    Returns the samples and where the inhales are (seconds)."""
    from lipwright.synthetic.augment import inhalation

    rate, rng = 16000, np.random.default_rng(seed)
    pieces, inhales, cursor = [], [], 0
    for text in texts:
        phrase = synthesise(text, engine, voice, sample_rate=rate)
        quiet = np.zeros(int(0.95 * rate), dtype=np.float32)
        quiet[int(0.5 * rate):int(0.85 * rate)] = (inhalation(int(0.35 * rate), rate, rng)
                                                  * np.sqrt(np.mean(phrase ** 2)) * 10 ** (level_db / 20))
        inhales.append(((cursor + 0.5 * rate) / rate, (cursor + 0.85 * rate) / rate))
        pieces += [quiet, phrase]
        cursor += len(quiet) + len(phrase)
    pieces.append(np.zeros(rate // 2, dtype=np.float32))
    return np.concatenate(pieces).astype(np.float32), inhales


def clicking_line(texts: list[str], engine: str, voice: str, level_db: float = -20.0,
                  seed: int = 7) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """`texts` spoken one after another at 16 kHz, each after 0.6 s of silence holding two mouth clicks
    (synthetic.augment.mouth_click) peaking `level_db` under the phrase's peak: one 0.3 s into the silence, one
    ending 60 ms before the phrase; 0.5 s of silence after. Returns the samples and where the clicks are (seconds)."""
    from lipwright.synthetic.augment import mouth_click

    rate, rng = 16000, np.random.default_rng(seed)
    pieces, clicks, cursor = [], [], 0
    for text in texts:
        phrase = synthesise(text, engine, voice, sample_rate=rate)
        quiet = np.zeros(int(0.6 * rate), dtype=np.float32)
        level = np.abs(phrase).max() * 10 ** (level_db / 20)
        for at, sound in ((int(0.3 * rate), mouth_click(rate, rng)), (None, mouth_click(rate, rng))):
            start = at if at is not None else len(quiet) - int(0.06 * rate) - len(sound)
            quiet[start:start + len(sound)] = sound * level
            clicks.append(((cursor + start) / rate, (cursor + start + len(sound)) / rate))
        pieces += [quiet, phrase]
        cursor += len(quiet) + len(phrase)
    pieces.append(np.zeros(rate // 2, dtype=np.float32))
    return np.concatenate(pieces).astype(np.float32), clicks
