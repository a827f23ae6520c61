"""Runs of True in a boolean mask: shared by the measures (runs of closed frames) and the phone timeline
(runs of quiet hops), which must not import each other."""

from __future__ import annotations

import numpy as np


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) index of every run of True in `mask`, end exclusive."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(mask).astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))
