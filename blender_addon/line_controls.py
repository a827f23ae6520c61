"""A line's controls on its stored curves: intensity, zero-phase smoothing and keyframe reduction (numpy only).

Curves are (frames, curves) arrays of shape-key values whose rest is 0, so scaling about 0 scales
the motion. Everything here is pure: the Blender side stores the model's raw result on the line and
re-applies these functions whenever a control changes, without running the model again.
"""

from dataclasses import dataclass

import numpy as np

INTENSITY_MAX = 3.0    # beyond 3x the motion no longer reads as the same line
SMOOTHING_MAX = 12.0   # frames (Gaussian sigma); more and consonants vanish
TOLERANCE_MAX = 0.25   # shape-key units


@dataclass(frozen=True)
class LineControls:
    intensity: float = 1.0   # 0 = rest, 1 = as the model made it, >1 exaggerates
    smoothing: float = 0.0   # Gaussian sigma in frames; 0 = none
    tolerance: float = 0.0   # keyframe reduction: largest allowed error; 0 = a key on every frame

    def clamped(self) -> "LineControls":
        def clamp(value, high):
            value = float(value)
            return min(max(value, 0.0), high) if np.isfinite(value) else 0.0

        return LineControls(clamp(self.intensity, INTENSITY_MAX), clamp(self.smoothing, SMOOTHING_MAX),
                            clamp(self.tolerance, TOLERANCE_MAX))


def smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing along frames (a symmetric kernel: peaks do not move in time).

    values: (frames,) or (frames, curves). The ends are extended with their own values, so a line
    that starts and ends at rest still does."""
    values = np.asarray(values, dtype=np.float64)
    if sigma <= 0 or len(values) < 2:
        return values.copy()
    radius = max(1, int(np.ceil(3.0 * sigma)))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    flat = values.reshape(len(values), -1)
    padded = np.pad(flat, ((radius, radius), (0, 0)), mode="edge")
    # Sum of shifted copies: one pass per kernel tap, fast for the few dozen taps we use.
    out = np.zeros_like(flat)
    for weight, shift in zip(kernel, range(2 * radius + 1)):
        out += weight * padded[shift: shift + len(flat)]
    return out.reshape(values.shape)


def apply_controls(values: np.ndarray, controls: LineControls, low=None, high=None) -> np.ndarray:
    """Smooth, then scale about rest, then clip each curve to [low, high] (its slider range)."""
    controls = controls.clamped()
    out = smooth(values, controls.smoothing) * controls.intensity
    if low is not None or high is not None:
        out = np.clip(out, low, high)
    return out


def reduce_keys(values: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the frames to key so that straight lines between the kept keys stay within
    `tolerance` of every frame's value (Ramer–Douglas–Peucker on the vertical error).

    The kept keys are meant to be written with LINEAR interpolation: Bézier handles between sparse
    keys would overshoot, and the bound would no longer hold. First and last frames are always kept."""
    values = np.asarray(values, dtype=np.float64)
    count = len(values)
    if count <= 2 or tolerance <= 0:
        return np.arange(count)
    keep = np.zeros(count, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, count - 1)]
    while stack:  # iterative: a 10-minute line would overflow recursion
        first, last = stack.pop()
        if last - first < 2:
            continue
        inner = np.arange(first + 1, last)
        line = values[first] + (values[last] - values[first]) * (inner - first) / (last - first)
        errors = np.abs(values[first + 1: last] - line)
        worst = int(np.argmax(errors))
        if errors[worst] > tolerance:
            split = first + 1 + worst
            keep[split] = True
            stack.append((first, split))
            stack.append((split, last))
    return np.flatnonzero(keep)


def linear_between_keys(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """What LINEAR interpolation through values[keys] gives on every frame (for checking a reduction)."""
    return np.interp(np.arange(len(values)), keys, np.asarray(values, dtype=np.float64)[keys])
