"""A line's controls on its stored curves: intensity (of the whole face and of the upper face alone),
zero-phase smoothing and keyframe reduction (numpy only).

Curves are (frames, curves) arrays of shape-key values whose rest is 0, so scaling about 0 scales
the motion. Everything here is pure: the Blender side stores the model's raw result on the line and
re-applies these functions whenever a control changes, without running the model again.
"""

from dataclasses import dataclass

import numpy as np

INTENSITY_MAX = 3.0    # beyond 3x the motion no longer reads as the same line
SMOOTHING_MAX = 12.0   # frames (Gaussian sigma); more and consonants vanish
TOLERANCE_MAX = 0.25   # shape-key units
# The ARKit units of the upper face (brows, lids, cheek squints) that Upper Face scales; gaze is left alone.
UPPER_FACE_UNITS = frozenset((
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "eyeBlinkLeft", "eyeBlinkRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight",
    "cheekSquintLeft", "cheekSquintRight",
))


@dataclass(frozen=True)
class LineControls:
    intensity: float = 1.0   # 0 = rest, 1 = as the model made it, >1 exaggerates
    smoothing: float = 0.0   # Gaussian sigma in frames; 0 = none
    tolerance: float = 0.0   # keyframe reduction: largest allowed error; 0 = a key on every frame
    upper_face: float = 1.0  # the upper face's share of the motion, on top of intensity (ARKit weights)

    def clamped(self) -> "LineControls":
        def clamp(value, high):
            value = float(value)
            return min(max(value, 0.0), high) if np.isfinite(value) else 0.0

        return LineControls(clamp(self.intensity, INTENSITY_MAX), clamp(self.smoothing, SMOOTHING_MAX),
                            clamp(self.tolerance, TOLERANCE_MAX), clamp(self.upper_face, INTENSITY_MAX))


def scale_upper_face(weights: np.ndarray, names, factor: float) -> np.ndarray:
    """ARKit weights (frames, units) with the upper face's units scaled about rest by `factor`."""
    weights = np.array(weights, dtype=np.float32)
    columns = [index for index, name in enumerate(names) if str(name) in UPPER_FACE_UNITS]
    weights[:, columns] *= np.float32(factor)
    return weights


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
    return reduce_curves(values[:, None], tolerance)[0]


def reduce_curves(values: np.ndarray, tolerance: float) -> list[np.ndarray]:
    """reduce_keys for each column of values (frames, curves), all columns in the same numpy passes."""
    values = np.asarray(values, dtype=np.float64)
    count, curves = values.shape
    if count <= 2 or tolerance <= 0:
        return [np.arange(count) for _ in range(curves)]
    flat = values.T.ravel()  # curve after curve; no segment crosses from one to the next
    keep = np.zeros(len(flat), dtype=bool)
    starts = np.arange(curves) * count
    ends = starts + count - 1
    keep[starts] = keep[ends] = True
    # Every open segment splits at its worst frame in one pass (the keys of the recursive
    # algorithm); only segments not yet within tolerance are looked at again.
    while len(starts):
        inner = ends - starts - 1
        slope = (flat[ends] - flat[starts]) / (ends - starts)
        first_of_segment = np.concatenate(([0], np.cumsum(inner)[:-1]))
        step = np.arange(int(inner.sum())) - np.repeat(first_of_segment, inner) + 1  # 1.. inside each segment
        frame = np.repeat(starts, inner) + step
        error = np.abs(flat[frame] - (np.repeat(flat[starts], inner) + np.repeat(slope, inner) * step))
        worst = np.maximum.reduceat(error, first_of_segment)
        at_worst = np.flatnonzero(error == np.repeat(worst, inner))
        # Positions are in segment order: the first of each segment's worst frames is where it splits.
        owner = np.searchsorted(first_of_segment, at_worst, side="right") - 1
        first = np.concatenate(([True], owner[1:] != owner[:-1]))
        split = frame[at_worst[first]]
        bad = worst > tolerance
        split, left, right = split[bad], starts[bad], ends[bad]
        keep[split] = True
        starts, ends = np.concatenate((left, split)), np.concatenate((split, right))
        open_ = ends - starts >= 2
        starts, ends = starts[open_], ends[open_]
    return [np.flatnonzero(row) for row in keep.reshape(curves, count)]


def linear_between_keys(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """What LINEAR interpolation through values[keys] gives on every frame (for checking a reduction)."""
    return np.interp(np.arange(len(values)), keys, np.asarray(values, dtype=np.float64)[keys])
