"""Peaks cut off flat by a recording whose gain was set too high, rebuilt before anything hears the line.

A clipped line's flat tops add a buzz of harmonics across the whole band: 12 dB of overdrive cost the
phone search a sixth of its closures and the aligner, given the transcript, 0.06 of them. The cut samples
are found where a run of samples sits at the line's extreme, and rebuilt by least-squares autoregressive
interpolation (Janssen, Veldhuis and Vries, 1986): an all-pole model of the sound around each run, fitted
to its neighbourhood, and the missing samples that make its prediction error smallest, held beyond the level
they were cut at. The line is then scaled under full scale, where the rebuilt peaks fit."""

from __future__ import annotations

import numpy as np

from .clip import AudioClip

# A run of at least two samples at the line's extreme (within a 16-bit step) is a cut peak; a natural
# peak is one sample. A line is clipped when it has CLIPPED_RUNS such runs on either side.
LEVEL_TOLERANCE = 2.0 ** -15
CLIPPED_RUNS = 5
QUIETEST_CLIP_LEVEL = 0.01  # extremes below this are a near-silent line, not a cut
CONTEXT_SECONDS = 0.015  # each side of a run: the sound its all-pole model is fitted to
LONGEST_SPAN_SECONDS = 0.01  # runs rebuilt together at most this far apart (a solve's cost grows as its span cubed)
PASSES = 2  # the first model hears the flat tops; the second the peaks the first rebuilt
LARGEST_GAIN = 10.0  # a rebuilt peak at most 20 dB over the level it was cut at
PEAK_AFTER = 0.99
# Clipped 12 dB over full scale, 3-10% of a line's samples are cut and lip sync comes back as recorded well;
# 20 dB, 10-26%, and it comes back only in part.
WARN_CUT_FRACTION = 0.05


def clipped_samples(samples: np.ndarray) -> np.ndarray:
    """(n,) bool: the samples of `samples` cut off at its positive or negative extreme (none when the line
    has fewer than CLIPPED_RUNS runs of two or more samples there)."""
    cut = np.zeros(len(samples), dtype=bool)
    if not len(samples):
        return cut
    for level, at_level in ((float(samples.max()), lambda level: samples >= level - LEVEL_TOLERANCE),
                            (-float(samples.min()), lambda level: samples <= -level + LEVEL_TOLERANCE)):
        if level < QUIETEST_CLIP_LEVEL:
            continue
        found = at_level(level)
        if np.count_nonzero(found) < 2 * CLIPPED_RUNS:  # a line that was not cut: its peak is one sample
            continue
        starts, ends = _runs(found)
        if np.count_nonzero(ends - starts >= 2) >= CLIPPED_RUNS:
            cut |= found
    return cut


def declipped(clip: AudioClip) -> AudioClip:
    """`clip` with its cut peaks rebuilt and scaled under full scale (the same object when none are cut)."""
    cut = clipped_samples(clip.samples)
    if not cut.any():
        return clip
    rebuilt = _rebuilt(np.asarray(clip.samples, dtype=np.float64), cut, clip.sample_rate)
    peak = float(np.abs(rebuilt).max())
    if peak > PEAK_AFTER:
        rebuilt *= PEAK_AFTER / peak
    return AudioClip(rebuilt.astype(np.float32), clip.sample_rate, clip.warnings)


def clipping_warning(clip: AudioClip) -> str | None:
    """A warning for a line clipped hard enough that its rebuilt peaks may still cost lip sync; None otherwise."""
    fraction = float(np.mean(clipped_samples(clip.samples))) if len(clip.samples) else 0.0
    if fraction < WARN_CUT_FRACTION:
        return None
    return (f"The audio is clipped: {fraction:.0%} of its samples were cut off at its loudest level (recorded "
            "with the input gain too high). The cut peaks were rebuilt, but lip sync on the loudest words may be "
            "less accurate; record with lower gain if you can.")


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (exclusive) of the runs of True in `mask`."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _rebuilt(samples: np.ndarray, cut: np.ndarray, sample_rate: int) -> np.ndarray:
    from scipy.linalg import solve_toeplitz  # only for a line that was clipped

    order = int(round(sample_rate / 1000)) + 4  # two poles per formant up to the Nyquist frequency, and slack
    context = max(int(CONTEXT_SECONDS * sample_rate), 3 * order)
    starts, ends = _runs(cut)
    # Runs closer than the model's order share prediction-error equations: rebuild them together, up to
    # a span of LONGEST_SPAN_SECONDS (one solve's cost grows with the cube of its span; past that the
    # neighbours' rebuilt samples stand in as known ones).
    longest = int(LONGEST_SPAN_SECONDS * sample_rate)
    groups, first = [], 0
    for index in range(1, len(starts) + 1):
        if (index == len(starts) or starts[index] - ends[index - 1] > order
                or ends[index] - starts[first] > longest):
            groups.append((starts[first], ends[index - 1]))
            first = index
    levels = np.where(samples > 0, samples.max(), samples.min())  # the level each cut sample was cut at
    x = samples.copy()
    for _ in range(PASSES):
        for start, end in groups:
            lo, hi = max(start - context, 0), min(end + context, len(x))
            coefficients = _all_pole(x[lo:hi], order, solve_toeplitz)
            if coefficients is None:
                continue
            span_lo, span_hi = max(start - order, 0), min(end + order, len(x))
            _interpolate(x, cut, levels, span_lo, span_hi, coefficients)
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


def _interpolate(x: np.ndarray, cut: np.ndarray, levels: np.ndarray, lo: int, hi: int,
                 coefficients: np.ndarray) -> None:
    """Rebuild x's cut samples in [lo, hi) in place: least-squares AR interpolation, then once more with
    any sample that came out inside the level it was cut at held at that level.

    The prediction error e[t] = sum_k a[k] x[t - k] is smallest over the unknown samples u where
    sum_t e[t] de[t]/dx[u] = 0: with r the autocorrelation of a, sum_v r[u - v] x[v] = -sum_c r[u - c] x[c]
    over known samples c (every error that holds an unknown lies inside [lo, hi), which reaches the order
    past the cut ones). The matrix r[u - v] is zero beyond the order."""
    order = len(coefficients) - 1
    if hi - lo <= order:
        return
    spread = np.correlate(coefficients, coefficients, "full")  # r[-p..p]
    window = x[lo:hi]
    unknown = cut[lo:hi].copy()
    for _ in range(2):
        where = np.flatnonzero(unknown)
        if not len(where):
            return
        known = np.where(unknown, 0.0, window)
        right = -np.convolve(known, spread, "same")[where]
        distance = np.abs(where[:, None] - where[None, :])
        normal = np.where(distance <= order, spread[order + np.minimum(distance, order)], 0.0)
        normal[np.diag_indices_from(normal)] *= 1.0 + 1e-9
        try:
            # Dense: at these sizes (tens to a few hundred samples) LAPACK's banded solver was slower.
            solution = np.linalg.solve(normal, right)
        except np.linalg.LinAlgError:
            return
        level = levels[lo:hi][where]
        # Consistent with the recording: a cut sample was at least as far out as the level it was cut at.
        held = np.sign(level) * np.clip(np.abs(solution), np.abs(level), LARGEST_GAIN * np.abs(level))
        window[where] = np.where(np.sign(solution) == np.sign(level), held, level)
        short = (np.sign(solution) != np.sign(level)) | (np.abs(solution) < np.abs(level))
        if not short.any():
            return
        unknown[where[short]] = False  # those held at their level, solve the rest again around them
