"""Which 10 ms steps of a line carry a voice: periodic sound, as vowels and voiced consonants are, where noise
(a breath, a fricative, hiss, a door) is not."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.ndimage import median_filter

from .clip import AudioClip, samples_at
from .mel import centred_frames

STEP_SECONDS = 0.01
RATE = 16000
WINDOW = 400  # 25 ms
FFT = 1024
# Pitch periods looked for (a voice's F0 range), and the normalised autocorrelation at the best one that
# counts as voiced: over a vowel of the development voices its median falls under 0.56 in one of twenty;
# steady noise's steps pass 0.45 in one of twenty (pink) or almost never (white).
PITCH_HZ = (75.0, 400.0)
PERIODIC = 0.45
# ... held over this many steps (the median): a vowel's voice is steady, noise's chance peaks are not.
PERIODIC_STEPS = 5
BLOCK_FRAMES = 256  # frames analysed at once: a long line's spectra stay a few megabytes


def hann() -> np.ndarray:
    """The analysis window of every step, float32."""
    return np.hanning(WINDOW).astype(np.float32)


def power_floor(samples: np.ndarray) -> float:
    """A power floor 100 dB under a typical frame's, scaled with the line: its gain then changes nothing."""
    return 1e-10 * max(float(np.dot(samples, samples)) / max(len(samples), 1) * WINDOW, 1e-30)


def periodicity(power: np.ndarray, floor: float) -> np.ndarray:
    """(frames,) the normalised autocorrelation at the best pitch period of each frame, from `power` (frames,
    FFT // 2 + 1), the power spectra of Hann-windowed frames: near 1 for a steady voice, low for noise."""
    # Divided by the window's own autocorrelation (Boersma 1993): a steady tone then correlates near 1 at its
    # period whatever the lag.
    window_correlation = np.fft.irfft(np.abs(np.fft.rfft(hann(), FFT)) ** 2)[:WINDOW]
    window_correlation = np.maximum(window_correlation / window_correlation[0], 1e-3)
    periods = slice(round(RATE / PITCH_HZ[1]), round(RATE / PITCH_HZ[0]) + 1)
    correlation = np.fft.irfft(power, axis=1)[:, :WINDOW]
    correlation /= (correlation[:, :1] + floor) * window_correlation
    return correlation[:, periods].max(axis=1)


def is_voiced(frame_periodicity: np.ndarray) -> np.ndarray:
    """(frames,) bool: periodic enough, held over PERIODIC_STEPS frames."""
    return median_filter(frame_periodicity, PERIODIC_STEPS, mode="nearest") >= PERIODIC


def spectra(samples: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """The power spectra of `samples` (float32 at RATE), Hann-windowed frame k centred on sample k * hop, each
    frame's mean taken out first, in blocks of BLOCK_FRAMES: (the block's frames, their power (frames,
    FFT // 2 + 1)). A long line's spectra stay a few megabytes."""
    hop = round(STEP_SECONDS * RATE)
    frames = centred_frames(samples, WINDOW, hop)[:step_count(samples)]
    window = hann()
    for first in range(0, len(frames), BLOCK_FRAMES):
        block = slice(first, min(first + BLOCK_FRAMES, len(frames)))
        windowed = frames[block] * window
        windowed -= windowed.mean(axis=1, keepdims=True) * window
        yield block, np.abs(np.fft.rfft(windowed, FFT, axis=1)) ** 2


def step_count(samples: np.ndarray) -> int:
    """How many STEP_SECONDS steps `samples` (at RATE) have, the first centred on sample 0."""
    return len(samples) // round(STEP_SECONDS * RATE) + 1 if len(samples) else 0


def voiced_steps(clip: AudioClip) -> np.ndarray:
    """(steps,) bool, step k centred at k * STEP_SECONDS: a voice sounds there."""
    return is_voiced(step_periodicity(clip))


def step_periodicity(clip: AudioClip) -> np.ndarray:
    """(steps,) the periodicity of each step (see `periodicity`), step k centred at k * STEP_SECONDS; 0 throughout
    a clip shorter than one window."""
    samples = samples_at(clip, RATE)
    found = np.zeros(step_count(samples))
    if len(samples) < WINDOW:
        return found
    floor = power_floor(samples)
    for block, power in spectra(samples):
        found[block] = periodicity(power, floor)
    return found


def at_hops(steps: np.ndarray, hop: float, count: int) -> np.ndarray:
    """(count,) the value of `steps` (one per STEP_SECONDS) at the centre of each of `count` hops `hop` s long."""
    centres = (np.arange(count) + 0.5) * hop
    return steps[np.minimum(np.round(centres / STEP_SECONDS).astype(int), len(steps) - 1)]
