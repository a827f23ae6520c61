"""Lines of any length through models trained on short clips: overlapping windows, each animated
alone, then cross-faded over their overlaps (raised cosine) so no seam shows where one ends."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def plan_windows(frames: int, window: int, overlap: int) -> list[tuple[int, int]]:
    """[start, stop) frame ranges of at most `window` frames covering [0, frames); neighbours share at
    least `overlap` frames (the last window is moved back to end on the last frame)."""
    if not 0 <= overlap < window:
        raise ValueError(f"the overlap ({overlap}) must be at least 0 and less than the window ({window})")
    if frames <= window:
        return [(0, max(frames, 0))]
    starts = list(range(0, frames - window, window - overlap)) + [frames - window]
    return [(start, start + window) for start in starts]


def audio_span(window: tuple[int, int], fps: float, sample_rate: int) -> tuple[int, int]:
    """The [start, stop) samples under a window of frames."""
    start, stop = window
    return round(start / fps * sample_rate), round(stop / fps * sample_rate)


def blend_windows(pieces: Sequence[np.ndarray], windows: Sequence[tuple[int, int]], frames: int) -> np.ndarray:
    """pieces[k]: (stop - start, ...) for windows[k] -> (frames, ...), each frame a weighted mean of the
    pieces covering it; a piece's weight rises from 0 over its overlap with the one before and falls
    to 0 over its overlap with the one after."""
    if len(pieces) != len(windows) or not pieces:
        raise ValueError("one piece per window, at least one")
    total = np.zeros((frames, *pieces[0].shape[1:]), dtype=np.float64)
    weight_sum = np.zeros(frames, dtype=np.float64)
    for k, (piece, (start, stop)) in enumerate(zip(pieces, windows)):
        if len(piece) != stop - start:
            raise ValueError(f"piece {k} has {len(piece)} frames for a window of {stop - start}")
        weight = np.ones(stop - start)
        if k > 0:
            weight = np.minimum(weight, _rise(windows[k - 1][1] - start, stop - start))
        if k < len(windows) - 1:
            weight = np.minimum(weight, _rise(stop - windows[k + 1][0], stop - start)[::-1])
        total[start:stop] += weight.reshape(-1, *[1] * (piece.ndim - 1)) * piece
        weight_sum[start:stop] += weight
    return (total / weight_sum.reshape(-1, *[1] * (total.ndim - 1))).astype(pieces[0].dtype)


def _rise(overlap: int, length: int) -> np.ndarray:
    """Weights over a window: a raised cosine from near 0 to 1 across the first `overlap` frames, then 1."""
    ramp = np.ones(length)
    if overlap > 0:
        ramp[:overlap] = 0.5 - 0.5 * np.cos(np.pi * (np.arange(overlap) + 0.5) / overlap)
    return ramp
