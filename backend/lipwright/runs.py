"""Runs of True in a boolean mask: shared by the measures (runs of closed frames) and the phone timeline
(runs of quiet hops), which must not import each other."""

from __future__ import annotations

import numpy as np


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) index of every run of True in `mask`, end exclusive."""
    starts, ends = true_run_bounds(mask)
    return list(zip(starts.tolist(), ends.tolist()))


def true_run_bounds(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The firsts and ends (exclusive) of the runs of True in `mask`, as arrays; bools throughout, so that a
    mask over every sample of a long line stays one byte a sample."""
    padded = np.zeros(len(mask) + 2, dtype=bool)
    padded[1:-1] = mask
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return edges[0::2], edges[1::2]
