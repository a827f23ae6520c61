"""Compress per-frame vertex offsets into a few basis shapes with per-frame values (truncated SVD, numpy only)."""

from dataclasses import dataclass

import numpy as np

ENERGY_KEPT = 0.995
MAX_COMPONENTS = 32
# Above this many matrix entries an exact SVD is slow; a randomised one finds the same leading components.
_EXACT_SVD_LIMIT = 30_000_000


@dataclass
class Basis:
    """offsets ≈ values @ shapes: values (frames, K) in [-1, 1]; shapes (K, vertices, 3)."""

    values: np.ndarray
    shapes: np.ndarray
    energy_kept: float

    def reconstruct(self) -> np.ndarray:
        frames = self.values.shape[0]
        return (self.values @ self.shapes.reshape(len(self.shapes), -1)).reshape(frames, -1, 3)


def _leading_singular(matrix: np.ndarray, count: int):
    if matrix.size <= _EXACT_SVD_LIMIT:
        # Through the eigenvectors of the smaller Gram matrix (frames x frames for a head's motion):
        # ~30x faster than a full SVD, and exact for the leading components we keep.
        transpose = matrix.shape[0] > matrix.shape[1]
        small = matrix.T if transpose else matrix
        eigenvalues, vectors = np.linalg.eigh(small @ small.T)
        order = np.argsort(eigenvalues)[::-1][:count]
        sigma = np.sqrt(np.maximum(eigenvalues[order], 0.0))
        vectors = vectors[:, order]
        other = (small.T @ vectors) / np.where(sigma > 0, sigma, 1.0)
        left, right = (other, vectors.T) if transpose else (vectors, other.T)
        return left, sigma, right
    # Halko et al.: project on a random subspace, two power iterations, then an exact small SVD.
    rng = np.random.default_rng(0)
    sample = matrix @ rng.standard_normal((matrix.shape[1], count + 16)).astype(matrix.dtype)
    for _ in range(2):
        sample, _ = np.linalg.qr(sample)
        sample = matrix @ (matrix.T @ sample)
    q, _ = np.linalg.qr(sample)
    small_left, sigma, right = np.linalg.svd(q.T @ matrix, full_matrices=False)
    return q @ small_left, sigma, right


def compress_to_basis(offsets, energy=ENERGY_KEPT, max_components=MAX_COMPONENTS) -> Basis:
    """offsets: (frames, vertices, 3). Keeps the fewest components holding `energy` of the squared norm."""
    offsets = np.asarray(offsets, dtype=np.float64)
    frames, vertices, _ = offsets.shape
    matrix = offsets.reshape(frames, vertices * 3)
    total = float(np.einsum("ij,ij->", matrix, matrix))
    if total == 0.0:  # silence: one empty shape keeps the bake's structure the same
        return Basis(np.zeros((frames, 1), np.float32), np.zeros((1, vertices, 3), np.float32), 1.0)
    left, sigma, right = _leading_singular(matrix, max_components)
    captured = np.cumsum(sigma**2) / total
    count = int(min(np.searchsorted(captured, energy - 1e-12) + 1, max_components, len(sigma)))
    values = left[:, :count] * sigma[:count]
    shapes = right[:count]
    # Scale each component so its values span at most [-1, 1]: the sliders stay in a sane range.
    peak = np.abs(values).max(axis=0)
    peak[peak == 0] = 1.0
    values = values / peak
    shapes = shapes * peak[:, None]
    # Sign so the largest value is positive, which reads naturally on a slider.
    flip = np.where(values[np.abs(values).argmax(axis=0), np.arange(count)] < 0, -1.0, 1.0)
    return Basis(
        (values * flip).astype(np.float32),
        (shapes * flip[:, None]).reshape(count, vertices, 3).astype(np.float32),
        float(captured[count - 1]),
    )
