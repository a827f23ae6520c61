"""Least-squares similarity transforms (scale, rotation or reflection, translation) between matched point sets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MeshError


@dataclass(frozen=True)
class Similarity:
    """Maps p to scale * rotation @ p + translation; rotation is orthogonal and may be a reflection (det -1)."""

    scale: float
    rotation: np.ndarray
    translation: np.ndarray
    rms_error: float = 0.0  # of the fit it came from, in target units

    @property
    def is_reflection(self) -> bool:
        return bool(np.linalg.det(self.rotation) < 0)

    def map_points(self, points: np.ndarray) -> np.ndarray:
        """points: (..., 3) -> (..., 3)."""
        return self.map_offsets(points) + self.translation

    def map_offsets(self, offsets: np.ndarray) -> np.ndarray:
        """Displacements (..., 3), e.g. (frames, vertices, 3): scaled and rotated, never translated."""
        offsets = np.asarray(offsets)
        return (self.scale * offsets @ self.rotation.T).astype(np.result_type(offsets.dtype, np.float32))

    def inverse(self) -> "Similarity":
        inverse_rotation = self.rotation.T
        return Similarity(scale=1.0 / self.scale, rotation=inverse_rotation,
                          translation=-(inverse_rotation @ self.translation) / self.scale,
                          rms_error=self.rms_error / self.scale)


def fit_similarity(source: np.ndarray, target: np.ndarray) -> Similarity:
    """Umeyama's fit of target ≈ scale * R @ source + t over matched (V, 3) points, R any orthogonal matrix.

    Reflections are allowed because users' meshes may carry a mirrored axis (negative scale applied)."""
    source = np.asarray(source, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    if source.shape != target.shape or source.ndim != 2 or source.shape[1] != 3:
        raise MeshError(f"Cannot fit a similarity between point sets of shapes {source.shape} and {target.shape}: "
                        "both must be (V, 3) with the same V.")
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    source_centred, target_centred = source - source_mean, target - target_mean
    source_variance = float((source_centred**2).sum())
    if source_variance <= 1e-20 * max(1.0, float((target_centred**2).sum())):
        raise MeshError("Cannot place the template: its points all coincide, so scale and rotation are undefined.")
    covariance = target_centred.T @ source_centred
    u, singular_values, vt = np.linalg.svd(covariance)
    # Without Umeyama's det(R) = +1 correction the best orthogonal matrix is U Vᵀ, mirrors included.
    rotation = u @ vt
    scale = float(singular_values.sum() / source_variance)
    translation = target_mean - scale * rotation @ source_mean
    residual = target - (scale * source @ rotation.T + translation)
    rms = float(np.sqrt((residual**2).sum(axis=1).mean()))
    return Similarity(scale=scale, rotation=rotation, translation=translation, rms_error=rms)
