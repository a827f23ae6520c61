"""Gaussian smoothing in numpy: the one filter the motion stage needs, without importing scipy.ndimage
(which alone took a third of a second of every `lipwright animate` start)."""

from __future__ import annotations

import numpy as np

TRUNCATE = 4.0  # kernel radius in standard deviations, as scipy.ndimage.gaussian_filter1d


def gaussian_filter1d(values: np.ndarray, sigma: float, axis: int = -1, mode: str = "nearest") -> np.ndarray:
    """scipy.ndimage.gaussian_filter1d(values, sigma, axis, mode='nearest'), the same numbers.

    Edges repeat the end values ('nearest'), so a curve that starts at rest stays at rest."""
    if mode != "nearest":
        raise ValueError("only mode='nearest' is implemented")
    values = np.asarray(values)
    dtype = np.float64 if values.dtype.kind in "iub" else values.dtype
    radius = int(TRUNCATE * float(sigma) + 0.5)
    if radius == 0 or values.shape[axis] == 0:
        return values.astype(dtype, copy=True)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / float(sigma)) ** 2)
    kernel /= kernel.sum()
    moved = np.moveaxis(values, axis, 0)
    padded = np.concatenate([np.repeat(moved[:1], radius, axis=0), moved, np.repeat(moved[-1:], radius, axis=0)])
    n = moved.shape[0]
    out = np.zeros(moved.shape, dtype=np.float64)
    for weight, start in zip(kernel, range(2 * radius + 1)):
        out += weight * padded[start:start + n]
    return np.moveaxis(out.astype(dtype), 0, axis)
