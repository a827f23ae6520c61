"""Mains hum (50 or 60 Hz and its harmonics, from a ground loop or a cheap preamp) found and subtracted.

Hum fills a line's pauses with a steady tone that the phone search hears as sound: on the development
voices, hum 40 dB under the voice cost the phone search 0.05 of its p/b/m closures; 20 dB under it, 0.09
and a tenth of the pauses' rest. Hum is a line spectrum at exact multiples of the mains frequency that
holds through the pauses, where speech has none; so it is looked for in the line's floor, the quiet that
holds between phrases. It is then fitted as sinusoids (amplitude and phase per two-second block, on the
floor's samples) and subtracted. Notch filters were tried first and rejected: narrow enough to spare
speech, they ring for a tenth of a second, and that ringing carried speech into the pauses (rest fell
from 0.99 to 0.88)."""

from __future__ import annotations

import numpy as np

from .clip import AudioClip

MAINS_HZ = (50.0, 60.0)
FRAME_SECONDS = 0.05
# The floor: 50 ms frames within 6 dB of the quietest tenth's level, the pauses where hum is all there
# is (a steady voice's harmonics can sit on multiples of 50 Hz too, so speech must be kept out).
FLOOR_PERCENTILE = 10.0
NEAR_FLOOR_DB = 3.0
SHORTEST_FLOOR_SECONDS = 0.5  # too little floor to read a spectrum from: no hum is claimed
# A harmonic is hum when its bin stands this far above the median of its neighbours 3-12 Hz away; the
# line has hum when at least HARMONICS_NEEDED of the first 10 do (a stray tone is not mains hum).
STANDS_OUT_DB = 10.0
HARMONICS_NEEDED = 3
AGREE_HZ = 0.6  # how far a harmonic may sit from its multiple of the others' mains frequency (bins are 1 Hz)
HIGHEST_HUM_HZ = 2000.0  # harmonics are looked for up to here: above it hum is weak and speech is dense
BLOCK_SECONDS = 2.0  # hum holds its amplitude and phase this long; mains drift stays well under a cycle
SHORTEST_BLOCK_FLOOR_SECONDS = 0.1
FIT_RATE = 4000  # the floor is read at about 4 kHz for fitting: enough for harmonics up to 2 kHz
FIT_FRAMES = 80  # floor frames (4 s) that pin the mains frequency
CHUNK_SAMPLES = 1 << 20


def hum_frequencies(samples: np.ndarray, sample_rate: int) -> list[float]:
    """The hum harmonics (Hz) standing out of the line's quiet part: [] when the line has no mains hum."""
    if sample_rate < 2 * MAINS_HZ[-1] * 4 or len(samples) < sample_rate:
        return []
    floor = _floor(samples, sample_rate)
    if len(floor) < SHORTEST_FLOOR_SECONDS * sample_rate:
        return []
    frequencies, power = _power_spectrum(floor, sample_rate)
    best: list[float] = []
    for mains in MAINS_HZ:
        expected = mains * np.arange(1, int(min(HIGHEST_HUM_HZ, sample_rate / 2 - 15) / mains) + 1)
        found = [f for e in expected if (f := _standing_peak(frequencies, power, e)) is not None]
        if not found:
            continue
        # Hum's harmonics are exact multiples of one frequency; a voice's or a room's stray peaks are not.
        agreed = np.median([f / round(f / mains) for f in found])
        found = [f for f in found if abs(f - agreed * round(f / mains)) <= AGREE_HZ]
        if sum(1 for f in found if f < 10.5 * mains) >= HARMONICS_NEEDED and len(found) > len(best):
            best = found
    return best


def without_hum(clip: AudioClip) -> AudioClip:
    """`clip` with its mains hum subtracted (the same object when it has none)."""
    frequencies = hum_frequencies(clip.samples, clip.sample_rate)
    if not frequencies:
        return clip
    cleaned = clip.samples.astype(np.float64) - _hum_model(clip.samples, clip.sample_rate, frequencies)
    return AudioClip(np.clip(cleaned, -1.0, 1.0).astype(np.float32), clip.sample_rate, clip.warnings)


def _power_spectrum(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch's averaged periodogram in 1 Hz bins (one-second Hann segments, half overlapping), in numpy:
    scipy.signal would add 0.3 s to every command, and most lines have no hum."""
    length = min(len(samples), sample_rate)
    hop = length // 2
    window = np.hanning(length)
    starts = range(0, len(samples) - length + 1, hop)
    power = np.mean([np.abs(np.fft.rfft(samples[start:start + length] * window)) ** 2 for start in starts], axis=0)
    return np.fft.rfftfreq(length, 1.0 / sample_rate), power


def _hum_model(samples: np.ndarray, sample_rate: int, frequencies: list[float]) -> np.ndarray:
    """The hum as sinusoids at the harmonics of one mains frequency, each harmonic's amplitude and phase
    fitted by least squares to the floor of overlapping blocks and interpolated between their centres (no
    filter rings speech into the pauses)."""
    quiet, frame = _floor_frames(samples, sample_rate)
    mains = _refined_mains(frequencies)
    found = np.array(sorted({round(f / mains) for f in frequencies}))
    mains = _fitted_mains(samples, sample_rate, quiet, frame, mains, found)
    # Every harmonic up to the highest found: a weak one among them may not have stood out of its bins.
    orders = np.arange(1, found.max() + 1)
    step = max(1, sample_rate // FIT_RATE)
    block = int(BLOCK_SECONDS * sample_rate)
    centres, amplitudes = [], []
    for start in range(0, max(len(samples) - block // 2, 1), block // 2):
        stop = min(start + block, len(samples))
        first, last = start // frame, min(stop // frame, len(quiet))
        chosen = np.flatnonzero(quiet[first:last]) + first
        if len(chosen) * frame / sample_rate < SHORTEST_BLOCK_FLOOR_SECONDS:
            continue  # too little floor here: the neighbours' fits are carried across
        where = (chosen[:, None] * frame + np.arange(0, frame, step)).reshape(-1)
        amplitudes.append(_fitted_amplitudes(samples, sample_rate, where, mains, orders))
        centres.append(0.5 * (start + stop))
    model = np.zeros(len(samples))
    if not centres:
        return model
    amplitudes = np.array(amplitudes)
    # In chunks: a ten-minute line's phasors at 48 kHz would take half a gigabyte at once.
    for begin in range(0, len(samples), CHUNK_SAMPLES):
        index = np.arange(begin, min(begin + CHUNK_SAMPLES, len(samples)))
        turn = np.exp(2j * np.pi * mains * index / sample_rate)
        power = np.ones(len(index), complex)
        for column in range(len(orders)):
            power *= turn  # turn ** order, orders being 1, 2, 3, ...
            amplitude = (np.interp(index, centres, amplitudes[:, column].real)
                         + 1j * np.interp(index, centres, amplitudes[:, column].imag))
            model[index] += (amplitude * power).real
    return model


def _fitted_amplitudes(samples: np.ndarray, sample_rate: int, where: np.ndarray, mains: float,
                       orders: np.ndarray) -> np.ndarray:
    """Complex amplitudes c (one per order) with sum(Re(c * exp(2 pi i order mains t))) nearest the samples
    at `where` (least squares)."""
    basis = _basis(where / sample_rate, mains, orders)
    cosine, sine = np.split(np.linalg.lstsq(basis, samples[where].astype(np.float64), rcond=None)[0], 2)
    return cosine - 1j * sine


def _basis(t: np.ndarray, mains: float, orders: np.ndarray) -> np.ndarray:
    phases = 2 * np.pi * mains * np.outer(t, orders)
    return np.concatenate([np.cos(phases), np.sin(phases)], axis=1)


def _fitted_mains(samples: np.ndarray, sample_rate: int, quiet: np.ndarray, frame: int, mains: float,
                  orders: np.ndarray) -> float:
    """The mains frequency within 0.05 Hz of `mains` whose harmonics explain most of the floor: a block's
    fit holds amplitude and phase, so the frequency must be right to a few thousandths of a hertz. Read on
    up to FIT_FRAMES floor frames spread over the whole line (the longer the span, the finer the answer)."""
    frames = np.flatnonzero(quiet)
    frames = frames[np.unique(np.linspace(0, len(frames) - 1, min(len(frames), FIT_FRAMES)).astype(int))]
    where = (frames[:, None] * frame + np.arange(0, frame, max(1, sample_rate // FIT_RATE))).reshape(-1)
    floor = samples[where].astype(np.float64)

    def residual(candidate: float) -> float:
        basis = _basis(where / sample_rate, candidate, orders)
        left = floor - basis @ np.linalg.lstsq(basis, floor, rcond=None)[0]
        return float(left @ left)

    for spread, steps in ((0.05, 21), (0.005, 11)):  # coarse, then fine
        mains = min(mains + np.linspace(-spread, spread, steps), key=residual)
    return float(mains)


def _refined_mains(frequencies: list[float]) -> float:
    """The mains frequency the harmonics found agree on: the median of their own estimates, so that a
    stray peak among them does not pull it."""
    nominal = min(MAINS_HZ, key=lambda m: sum(abs(f / m - round(f / m)) for f in frequencies))
    return float(np.median([f / round(f / nominal) for f in frequencies]))


def _floor(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The line's floor frames, end to end."""
    quiet, frame = _floor_frames(samples, sample_rate)
    count = len(quiet)
    return samples[: count * frame].astype(np.float64).reshape(count, frame)[quiet].reshape(-1)


def _floor_frames(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """(which FRAME_SECONDS frames lie in the line's floor, see FLOOR_PERCENTILE; the frame's length)."""
    frame = int(FRAME_SECONDS * sample_rate)
    count = len(samples) // frame
    energy = (samples[: count * frame].astype(np.float64).reshape(count, frame) ** 2).mean(axis=1)
    return energy <= np.percentile(energy, FLOOR_PERCENTILE) * 10 ** (NEAR_FLOOR_DB / 10), frame


def _standing_peak(frequencies: np.ndarray, power: np.ndarray, expected: float) -> float | None:
    """Where the peak within 1 Hz of `expected` lies (interpolated between bins), when it stands
    STANDS_OUT_DB over its neighbours' median; None otherwise."""
    step = frequencies[1] - frequencies[0]
    near = np.flatnonzero(np.abs(frequencies - expected) <= 1.0 + 1e-9)
    sides = np.flatnonzero((np.abs(frequencies - expected) >= 3.0) & (np.abs(frequencies - expected) <= 12.0))
    if not len(near) or not len(sides):
        return None
    peak = int(near[np.argmax(power[near])])
    background = float(np.median(power[sides]))
    if power[peak] <= background * 10 ** (STANDS_OUT_DB / 10) or not 0 < peak < len(power) - 1:
        return None
    # A parabola through the log power of the peak's bin and its two neighbours: where the tone really is.
    left, centre, right = np.log(power[peak - 1: peak + 2] + 1e-300)
    curvature = left - 2 * centre + right
    offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
    return float(frequencies[peak] + np.clip(offset, -0.5, 0.5) * step)
