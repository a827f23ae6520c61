"""Peaks cut off flat by a recording whose gain was set too high, rebuilt before anything hears the line.

A clipped line's flat tops add a buzz of harmonics across the whole band: 12 dB of overdrive cost the
phone search a sixth of its closures and the aligner, given the transcript, 0.06 of them. The cut samples
are found where a run of samples sits at the line's extreme, and rebuilt by least-squares autoregressive
interpolation (Janssen, Veldhuis and Vries, 1986): an all-pole model of the sound around each run, fitted
to its neighbourhood, and the missing samples that make its prediction error smallest, held beyond the level
they were cut at. The line is then scaled under full scale, where the rebuilt peaks fit."""

from __future__ import annotations

import numpy as np

from ..runs import true_run_bounds
from .clip import AudioClip

# A run of at least two samples at the line's extreme (within a 16-bit step) is a cut peak; a natural
# peak is one sample. A line is clipped when it has CLIPPED_RUNS such runs on either side.
LEVEL_TOLERANCE = 2.0 ** -15
CLIPPED_RUNS = 5
QUIETEST_CLIP_LEVEL = 0.01  # extremes below this are a near-silent line, not a cut
# Coarse samples repeat their top value at every loud peak (8-bit speech at -20 dBFS is 13 steps high):
# a level fewer than FINEST_STEPS of the file's own steps above zero is quantisation, not a cut. (The gap
# to the next value below the level is no measure of the step: a wave cut steeply leaves a wide one.)
FINEST_STEPS = 100
# A run longer than this is no cut peak of speech (a microphone bump, a tone held at full scale): nothing
# around it tells what it was, and rebuilding it would cost a solve as large as the run.
LONGEST_RUN_SECONDS = 0.01
CONTEXT_SECONDS = 0.015  # each side of a run: the sound its all-pole model is fitted to
LONGEST_SPAN_SECONDS = 0.01  # runs rebuilt together at most this far apart (a solve's cost grows as its span cubed)
PASSES = 2  # the first model hears the flat tops; the second the peaks the first rebuilt
LARGEST_GAIN = 10.0  # a rebuilt peak at most 20 dB over the level it was cut at
PEAK_AFTER = 0.99
# Clipped 12 dB over full scale, 3-10% of a line's samples are cut and lip sync comes back as recorded well;
# 20 dB, 10-30%, and it comes back only in part.
WARN_CUT_FRACTION = 0.05


def clipped_samples(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """(n,) bool: the samples of `samples` cut off at its positive or negative extreme, in runs no longer
    than LONGEST_RUN_SECONDS (none on a side with fewer than CLIPPED_RUNS runs of two or more samples)."""
    return _mask(len(samples), *_cut_runs(samples, sample_rate))


def _cut_runs(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (exclusive) of the cut runs, both sides together in order (see clipped_samples)."""
    longest = max(2, int(LONGEST_RUN_SECONDS * sample_rate))
    starts, ends = [], []
    if not len(samples):
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    for sign in (1.0, -1.0):
        level = sign * float(samples.max() if sign > 0 else samples.min())
        if level < QUIETEST_CLIP_LEVEL:
            continue
        signed = samples if sign > 0 else -samples
        found = signed >= level - LEVEL_TOLERANCE
        if np.count_nonzero(found) < 2 * CLIPPED_RUNS:  # a line that was not cut: its peak is one sample
            continue
        # The file's step, read off the values in its loud half (a float file's are all distinct).
        values = np.unique(signed[signed > 0.5 * level])
        if len(values) > 1 and level < FINEST_STEPS * float(np.diff(values).min()):
            continue  # the level is a few coarse steps high: quantisation repeats it, nothing was cut
        run_starts, run_ends = true_run_bounds(found)
        lengths = run_ends - run_starts
        if np.count_nonzero((lengths >= 2) & (lengths <= longest)) >= CLIPPED_RUNS:
            kept = lengths <= longest
            starts.append(run_starts[kept])
            ends.append(run_ends[kept])
    if not starts:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    order = np.argsort(np.concatenate(starts))
    return np.concatenate(starts)[order], np.concatenate(ends)[order]


def _mask(length: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    for start, end in zip(starts, ends):
        mask[start:end] = True
    return mask


def declipped(clip: AudioClip) -> AudioClip:
    """`clip` with its cut peaks rebuilt and scaled under full scale (the same object when none are cut)."""
    rebuilt, fraction = declipped_channels(clip.samples[:, None], clip.sample_rate)
    return clip if not fraction else AudioClip(rebuilt[:, 0], clip.sample_rate, clip.warnings)


def declipped_channels(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, float]:
    """(frames, channels) float32 with each channel's cut peaks rebuilt, all scaled together under full scale
    (`samples` itself when none are cut), and the largest share of a channel's samples that was cut. At the
    recording's own rate: resampled, a flat top ripples and is no longer found."""
    channels, fraction = [], 0.0
    for index in range(samples.shape[1]):
        channel = samples[:, index]
        if index and np.array_equal(channel, samples[:, 0]):  # dual mono: rebuilt once
            channels.append(channels[0])
            continue
        starts, ends = _cut_runs(channel, sample_rate)
        if not len(starts):
            channels.append(channel)
            continue
        fraction = max(fraction, float(np.sum(ends - starts)) / len(channel))
        channels.append(_rebuilt(np.asarray(channel, dtype=np.float64), starts, ends, sample_rate))
    if not fraction:
        return samples, 0.0
    rebuilt = np.stack(channels, axis=1)
    peak = float(np.abs(rebuilt).max())
    if peak > PEAK_AFTER:
        rebuilt *= PEAK_AFTER / peak
    return rebuilt.astype(np.float32), fraction


def clipping_warning(clip: AudioClip) -> str | None:
    """A warning for a line clipped hard enough that its rebuilt peaks may still cost lip sync; None otherwise."""
    fraction = float(np.mean(clipped_samples(clip.samples, clip.sample_rate))) if len(clip.samples) else 0.0
    return cut_share_warning(fraction)


def cut_share_warning(fraction: float, what: str = "The audio") -> str | None:
    """The warning for a line with `fraction` of its samples cut (None under WARN_CUT_FRACTION); `what` names it."""
    if fraction < WARN_CUT_FRACTION:
        return None
    return (f"{what} is clipped: {fraction:.0%} of its samples were cut off at its loudest level (recorded "
            "with the input gain too high). The cut peaks were rebuilt, but lip sync on the loudest words may be "
            "less accurate; record with lower gain if you can.")


def cut_share(samples: np.ndarray, sample_rate: int) -> float:
    """The largest share of a channel's samples (frames, channels) that was cut: 0 when none is clipped. Cheap
    (the runs are found, nothing is rebuilt), for the checks made while a user waits."""
    shares = [0.0]
    for index in range(samples.shape[1] if len(samples) else 0):
        starts, ends = _cut_runs(samples[:, index], sample_rate)
        shares.append(float(np.sum(ends - starts)) / len(samples))
    return max(shares)


def _rebuilt(samples: np.ndarray, starts: np.ndarray, ends: np.ndarray, sample_rate: int) -> np.ndarray:
    from scipy.linalg import solve_toeplitz  # only for a line that was clipped

    order = int(round(sample_rate / 1000)) + 4  # two poles per formant up to the Nyquist frequency, and slack
    context = max(int(CONTEXT_SECONDS * sample_rate), 3 * order)
    cut = _mask(len(samples), starts, ends)
    # Runs closer than the model's order share prediction-error equations: rebuild them together, up to
    # a span of LONGEST_SPAN_SECONDS (one solve's cost grows with the cube of its span; past that the
    # neighbours' samples, as the last pass left them, stand in as known ones).
    longest = int(LONGEST_SPAN_SECONDS * sample_rate)
    groups, first = [], 0
    for index in range(1, len(starts) + 1):
        if (index == len(starts) or starts[index] - ends[index - 1] > order
                or ends[index] - starts[first] > longest):
            groups.append((starts[first], ends[index - 1]))
            first = index
    levels = (float(samples.max()), float(samples.min()))  # the levels cut samples were cut at, by side
    x = samples.copy()
    for _ in range(PASSES):
        for start, end in groups:
            lo, hi = max(start - context, 0), min(end + context, len(x))
            coefficients = _all_pole(x[lo:hi], order, solve_toeplitz)
            if coefficients is None:
                continue
            span_lo, span_hi = max(start - order, 0), min(end + order, len(x))
            _interpolate(x, cut, levels, span_lo, span_hi, coefficients, start, end)
    return x


def _all_pole(sound: np.ndarray, order: int, solve_toeplitz) -> np.ndarray | None:
    """[1, a1..ap], the prediction-error filter of `sound` (autocorrelation method, Hann window); None
    when the sound is too short or silent."""
    if len(sound) <= 2 * order:
        return None
    windowed = sound * np.hanning(len(sound))
    spectrum = np.fft.rfft(windowed, 2 * len(windowed))
    correlation = np.fft.irfft(np.abs(spectrum) ** 2)[:order + 1]
    if correlation[0] <= 0:
        return None
    correlation[0] *= 1.0 + 1e-6  # a touch of white noise keeps the solve well conditioned
    try:
        predictor = solve_toeplitz(correlation[:order], -correlation[1:order + 1])
    except np.linalg.LinAlgError:
        return None
    return np.concatenate([[1.0], predictor])


def _interpolate(x: np.ndarray, cut: np.ndarray, levels: tuple[float, float], lo: int, hi: int,
                 coefficients: np.ndarray, first: int, last: int) -> None:
    """Rebuild x's cut samples in [first, last) in place, the rest of [lo, hi) known: least-squares AR
    interpolation, then once more with any sample that came out inside the level it was cut at held there.

    The prediction error e[t] = sum_k a[k] x[t - k] is smallest over the unknown samples u where
    sum_t e[t] de[t]/dx[u] = 0: with r the autocorrelation of a, sum_v r[u - v] x[v] = -sum_c r[u - c] x[c]
    over known samples c (every error that holds an unknown lies inside [lo, hi), which reaches the order
    past the cut ones). The matrix r[u - v] is zero beyond the order."""
    order = len(coefficients) - 1
    if hi - lo <= order:
        return
    spread = np.correlate(coefficients, coefficients, "full")  # r[-p..p]
    window = x[lo:hi]
    unknown = np.zeros(hi - lo, dtype=bool)
    unknown[first - lo:last - lo] = cut[first:last]
    for _ in range(2):
        where = np.flatnonzero(unknown)
        if not len(where):
            return
        known = np.where(unknown, 0.0, window)
        right = -np.convolve(known, spread, "full")[order:order + len(known)][where]
        distance = np.abs(where[:, None] - where[None, :])
        normal = np.where(distance <= order, spread[order + np.minimum(distance, order)], 0.0)
        normal[np.diag_indices_from(normal)] *= 1.0 + 1e-9
        try:
            # Dense: at these sizes (tens to a few hundred samples) LAPACK's banded solver was slower.
            solution = np.linalg.solve(normal, right)
        except np.linalg.LinAlgError:
            return
        level = np.where(window[where] > 0, *levels)  # a rebuilt sample keeps the side it was cut on
        # Consistent with the recording: a cut sample was at least as far out as the level it was cut at.
        held = np.sign(level) * np.clip(np.abs(solution), np.abs(level), LARGEST_GAIN * np.abs(level))
        window[where] = np.where(np.sign(solution) == np.sign(level), held, level)
        short = (np.sign(solution) != np.sign(level)) | (np.abs(solution) < np.abs(level))
        if not short.any():
            return
        unknown[where[short]] = False  # those held at their level, solve the rest again around them
