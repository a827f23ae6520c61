"""Per-frame values carried from one frame rate to another (frame t at t / fps)."""

from __future__ import annotations

import numpy as np


def retimed(values: np.ndarray, from_fps: float, to_fps: float, frames: int) -> np.ndarray:
    """`values` ((frames, ...) at `from_fps`) sampled at `to_fps` for `frames` frames, by linear interpolation
    between neighbouring frames, held at the last one past the end. NaN spreads to the frames beside it."""
    if from_fps == to_fps and len(values) == frames:
        return values
    source = np.arange(len(values)) / from_fps
    target = np.arange(frames) / to_fps
    flat = values.reshape(len(values), -1)
    columns = [np.interp(target, source, flat[:, k]) for k in range(flat.shape[1])]
    return np.stack(columns, axis=1).reshape(frames, *values.shape[1:])
