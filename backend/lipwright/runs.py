"""Runs of True in a boolean mask, and the instants inside a span: shared by the measures (runs of closed
frames, the frames of a truth phone) and the phone timeline (runs of quiet hops, the cue steps of a phone),
which must not import each other."""

from __future__ import annotations

import numpy as np


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) index of every run of True in `mask`, end exclusive."""
    starts, ends = true_run_bounds(mask)
    return list(zip(starts.tolist(), ends.tolist()))


def joined_runs(mask: np.ndarray, shortest_gap: int) -> list[tuple[int, int]]:
    """true_runs of `mask`, with runs less than `shortest_gap` indices apart joined into one."""
    joined: list[tuple[int, int]] = []
    for first, end in true_runs(mask):
        if joined and first - joined[-1][1] < shortest_gap:
            first = joined.pop()[0]
        joined.append((first, end))
    return joined


def true_run_bounds(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The firsts and ends (exclusive) of the runs of True in `mask`, as arrays; bools throughout, so that a
    mask over every sample of a long line stays one byte a sample."""
    padded = np.zeros(len(mask) + 2, dtype=bool)
    padded[1:-1] = mask
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges[0::2], edges[1::2]


def instants_within(start: float, end: float, rate: float, count: int) -> slice:
    """The indices k < count whose instants k / rate lie in [start, end] (an instant on an edge is inside,
    whatever the rounding of start * rate: 0.07 * 100 is 7.000000000000001); the nearest one when none does."""
    first, last = int(np.ceil(start * rate - 1e-6)), int(np.floor(end * rate + 1e-6))
    if last < first:
        first = last = int(round(0.5 * (start + end) * rate))
    return slice(min(first, count - 1), min(last, count - 1) + 1)
