"""Mains hum (50 or 60 Hz and its harmonics, from a ground loop or a cheap preamp) found and subtracted.

Hum fills a line's pauses with a steady tone that the phone search hears as sound: on the development
voices, hum 40 dB under the voice cost the phone search 0.05 of its p/b/m closures; 20 dB under it, 0.09
and a tenth of the pauses' rest. Hum is a line spectrum at exact multiples of the mains frequency that
holds through the pauses, where speech has none; so it is looked for in the line's floor, the quiet that
holds between phrases. It is then fitted as sinusoids (amplitude and phase per two-second block, on the
floor's samples) and subtracted. The mains frequency is fitted once, on the 20 s of the line with the
most floor; a grid that wanders by more than a few thousandths of a hertz within a line is taken out less
well (the blocks hold amplitude and phase, not frequency). Notch filters were tried first and rejected: narrow enough to spare
speech, they ring for a tenth of a second, and that ringing carried speech into the pauses (rest fell
from 0.99 to 0.88)."""

from __future__ import annotations

import numpy as np

from .clip import AudioClip

MAINS_HZ = (50.0, 60.0)
LOWEST_RATE = 480  # below this the first harmonics of 60 Hz do not fit under the Nyquist frequency
FRAME_SECONDS = 0.05
# The floor: 50 ms frames whose power (their mean taken out: a DC offset is not sound) lies within 3 dB of the
# quietest tenth's, the pauses where hum is all there is (a steady voice's harmonics can sit on multiples of
# 50 Hz too, so speech must be kept out).
FLOOR_PERCENTILE = 10.0
NEAR_FLOOR_DB = 3.0
SHORTEST_FLOOR_SECONDS = 0.5  # too little floor to read a spectrum from: no hum is claimed
MOST_SPECTRUM_FRAMES = 1200  # 60 s of floor is plenty for the spectrum, however long the line
# A harmonic is hum when its bin stands this far above the median of its neighbours 3-12 Hz away; the
# line has hum when at least HARMONICS_NEEDED of the first 10 do (a stray tone is not mains hum).
STANDS_OUT_DB = 10.0
HARMONICS_NEEDED = 3
AGREE_HZ = 0.6  # how far a harmonic may sit from its multiple of the others' mains frequency (bins of 1 Hz or more)
HIGHEST_HUM_HZ = 2000.0  # harmonics are looked for up to here: above it hum is weak and speech is dense
BLOCK_SECONDS = 2.0  # hum holds its amplitude and phase this long
SHORTEST_BLOCK_FLOOR_SECONDS = 0.1
FIT_RATE = 4000  # the floor is read at about 4 kHz for fitting: enough for harmonics up to 2 kHz
FIT_SPAN_SECONDS = 20.0  # the mains frequency is fitted on the stretch this long with the most floor ...
FIT_FRAMES = 80  # ... on at most this many of its floor frames (4 s)
# Coarse to fine: how many harmonics each stage fits with. Over a span of T seconds the fit's error dips within
# about 1 / (harmonics x T) Hz of the true frequency; each stage steps a quarter of that, over twice the last
# stage's step either side (the first, FIRST_SPREAD_HZ: the spectrum's estimate can be that far off).
FIT_HARMONICS = (2, 10, 40)
FIRST_SPREAD_HZ = 0.25
CHUNK_SAMPLES = 1 << 20


def hum_frequencies(samples: np.ndarray, sample_rate: int) -> list[float]:
    """The hum harmonics (Hz) standing out of the line's floor: [] when the line has no mains hum."""
    if sample_rate < LOWEST_RATE or len(samples) < sample_rate:
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
    return AudioClip(_subtracted(clip.samples, clip.sample_rate, frequencies), clip.sample_rate, clip.warnings)


def _subtracted(samples: np.ndarray, sample_rate: int, frequencies: list[float]) -> np.ndarray:
    """`samples` (float32) less the hum: sinusoids at the harmonics of one mains frequency, each harmonic's
    amplitude and phase fitted by least squares to the floor of overlapping blocks and interpolated between
    their centres (no filter rings speech into the pauses)."""
    quiet, frame = _floor_frames(samples, sample_rate)
    nominal = min(MAINS_HZ, key=lambda m: sum(abs(f / m - round(f / m)) for f in frequencies))
    mains = float(np.median([f / round(f / nominal) for f in frequencies]))
    # Every harmonic up to the highest found: a weak one among them may not have stood out of its bins.
    orders = np.arange(1, round(max(frequencies) / mains) + 1)
    mains = _fitted_mains(samples, sample_rate, quiet, frame, mains, len(orders))
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
        amplitudes.append(_fitted(samples, sample_rate, where, mains, orders)[0])
        centres.append(0.5 * (start + stop))
    cleaned = samples.astype(np.float32)  # a copy
    if not centres:
        return cleaned
    amplitudes = np.array(amplitudes)
    last_block = len(centres) - 1
    # In chunks: a ten-minute line's phasors at 48 kHz would take half a gigabyte at once.
    for begin in range(0, len(samples), CHUNK_SAMPLES):
        index = np.arange(begin, min(begin + CHUNK_SAMPLES, len(samples)))
        place = np.interp(index, centres, np.arange(len(centres)))  # which blocks, and how far between
        low = np.minimum(place.astype(int), max(last_block - 1, 0))
        high = np.minimum(low + 1, last_block)
        share = place - low
        turn = np.exp(2j * np.pi * mains * index / sample_rate)
        power = np.ones(len(index), complex)
        hum = np.zeros(len(index))
        for column in range(len(orders)):
            power *= turn  # turn ** order, orders being 1, 2, 3, ...
            amplitude = amplitudes[low, column] * (1 - share) + amplitudes[high, column] * share
            hum += (amplitude * power).real
        cleaned[begin:begin + len(index)] -= hum.astype(np.float32)
    return np.clip(cleaned, -1.0, 1.0, out=cleaned)


def _fitted(samples: np.ndarray, sample_rate: int, where: np.ndarray, mains: float, orders: np.ndarray
            ) -> tuple[np.ndarray, float]:
    """(complex amplitudes c, one per order, with sum(Re(c exp(2 pi i order mains t))) plus a constant
    nearest the samples at `where` by least squares; the energy left over). The constant takes up a DC
    offset, which is not hum."""
    t = where / sample_rate
    phases = 2 * np.pi * mains * np.outer(t, orders)
    basis = np.concatenate([np.cos(phases), np.sin(phases), np.ones((len(t), 1))], axis=1)
    values = samples[where].astype(np.float64)
    solution = np.linalg.lstsq(basis, values, rcond=None)[0]
    left = values - basis @ solution
    cosine, sine = solution[:len(orders)], solution[len(orders):2 * len(orders)]
    return cosine - 1j * sine, float(left @ left)


def _fitted_mains(samples: np.ndarray, sample_rate: int, quiet: np.ndarray, frame: int, mains: float,
                  highest: int) -> float:
    """The mains frequency near `mains` whose first `highest` harmonics explain most of the floor (coarse to
    fine, FIT_HARMONICS): a block's fit holds amplitude and phase, so the frequency must be right to a
    ten-thousandth of a hertz. Read on the FIT_SPAN_SECONDS with the most floor: over a whole long line the
    error's dip around the true frequency is too narrow to find."""
    span = max(1, int(FIT_SPAN_SECONDS / FRAME_SECONDS))
    counts = np.convolve(quiet.astype(float), np.ones(span), mode="valid") if len(quiet) > span else [1.0]
    first = int(np.argmax(counts))
    frames = np.flatnonzero(quiet[first:first + span]) + first
    frames = frames[np.unique(np.linspace(0, len(frames) - 1, min(len(frames), FIT_FRAMES)).astype(int))]
    where = (frames[:, None] * frame + np.arange(0, frame, max(1, sample_rate // FIT_RATE))).reshape(-1)
    span_seconds = max(1.0, (frames[-1] - frames[0] + 1) * FRAME_SECONDS)
    spread = FIRST_SPREAD_HZ
    for harmonics in FIT_HARMONICS:
        orders = np.arange(1, min(harmonics, highest) + 1)
        step = 1.0 / (4 * len(orders) * span_seconds)
        candidates = mains + np.arange(-spread, spread + step / 2, step)
        mains = float(min(candidates, key=lambda f: _fitted(samples, sample_rate, where, f, orders)[1]))
        spread = 2 * step
        if harmonics >= highest:
            break
    return mains


def _power_spectrum(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Welch's averaged periodogram in 1 Hz bins (one-second Hann segments, half overlapping; one shorter
    segment when there is less), in numpy: scipy.signal would add 0.3 s to every command, and most lines
    have no hum."""
    length = min(len(samples), sample_rate)
    window = np.hanning(length)
    power = np.zeros(length // 2 + 1)
    starts = range(0, len(samples) - length + 1, length // 2)
    for start in starts:
        power += np.abs(np.fft.rfft(samples[start:start + length] * window)) ** 2
    return np.fft.rfftfreq(length, 1.0 / sample_rate), power / len(starts)


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


def _floor(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The line's floor frames (at most MOST_SPECTRUM_FRAMES of them), end to end, each less its mean."""
    quiet, frame = _floor_frames(samples, sample_rate)
    chosen = np.flatnonzero(quiet)[:MOST_SPECTRUM_FRAMES]
    frames = samples[: len(quiet) * frame].reshape(len(quiet), frame)[chosen].astype(np.float64)
    return (frames - frames.mean(axis=1, keepdims=True)).reshape(-1)


def _floor_frames(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, int]:
    """(which FRAME_SECONDS frames lie in the line's floor, see FLOOR_PERCENTILE; the frame's length)."""
    frame = int(FRAME_SECONDS * sample_rate)
    count = len(samples) // frame
    frames = samples[: count * frame].reshape(count, frame)  # a view: a long line is not copied
    mean = frames.mean(axis=1, dtype=np.float64)
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / frame - mean ** 2
    return power <= np.percentile(power, FLOOR_PERCENTILE) * 10 ** (NEAR_FLOOR_DB / 10), frame
