"""A mesh pyramid for multi-scale convolution (COMA's sampling): each level a quadric decimation of
the one above, with barycentric maps between neighbouring levels. Down-sampling places each coarse
vertex on the nearest triangle of the finer mesh; up-sampling places each fine vertex on the nearest
triangle of the coarser one; a vertex's value is its triangle corners' values weighted by the
barycentric coordinates of that point, so a linear field is carried exactly wherever the point lies
on the surface."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class MeshLevel:
    vertices: np.ndarray  # (V, 3) float64
    faces: np.ndarray  # (F, 3) int64 triangles


@dataclass(frozen=True)
class BarycentricMap:
    """Each target vertex as a weighted sum of three source vertices (the corners of a triangle)."""
    indices: np.ndarray  # (targets, 3) int64 source vertices
    weights: np.ndarray  # (targets, 3) float64, each row non-negative and summing to 1
    source_count: int

    def matrix(self) -> sparse.csr_matrix:
        """(targets, sources) sparse sampling matrix: values_at_targets = matrix @ values_at_sources."""
        rows = np.repeat(np.arange(len(self.indices)), 3)
        return sparse.csr_matrix((self.weights.ravel(), (rows, self.indices.ravel())),
                                 shape=(len(self.indices), self.source_count))


@dataclass(frozen=True)
class MeshPyramid:
    levels: list[MeshLevel]  # levels[0] is the mesh itself, then ever coarser
    down: list[BarycentricMap]  # down[i]: level i -> level i + 1
    up: list[BarycentricMap]  # up[i]: level i + 1 -> level i


def barycentric_map(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> BarycentricMap:
    """points: (P, 3) placed on the nearest triangle of the mesh (vertices, faces)."""
    import trimesh

    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    closest, _, triangle = trimesh.proximity.closest_point(mesh, np.asarray(points, dtype=np.float64))
    corners = np.asarray(faces, dtype=np.int64)[triangle]
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = trimesh.triangles.points_to_barycentric(np.asarray(vertices)[corners], closest)
    weights = np.clip(np.nan_to_num(weights, nan=-1.0), 0.0, None)
    # A degenerate triangle (no barycentric coordinates) hands its point to the nearest corner.
    broken = weights.sum(axis=1) <= 1e-12
    if broken.any():
        distances = np.linalg.norm(np.asarray(vertices)[corners[broken]] - closest[broken, None], axis=2)
        weights[broken] = np.eye(3)[distances.argmin(axis=1)]
    return BarycentricMap(corners, weights / weights.sum(axis=1, keepdims=True), len(vertices))


def decimate(level: MeshLevel, factor: float) -> MeshLevel:
    """About 1/factor of the vertices, by quadric edge collapse (fast-simplification)."""
    import fast_simplification

    points, faces = fast_simplification.simplify(level.vertices.astype(np.float32), level.faces.astype(np.int32),
                                                 target_reduction=1.0 - 1.0 / factor)
    used = np.unique(faces)  # a collapse may leave points no face uses
    remap = np.full(len(points), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return MeshLevel(np.asarray(points, dtype=np.float64)[used], remap[np.asarray(faces, dtype=np.int64)])


def build_pyramid(vertices: np.ndarray, faces: np.ndarray, factors: Sequence[float] = (4, 4, 4)) -> MeshPyramid:
    """vertices: (V, 3); faces: (F, 3) triangles; one coarser level per factor."""
    levels = [MeshLevel(np.asarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int64))]
    down, up = [], []
    for factor in factors:
        fine = levels[-1]
        coarse = decimate(fine, factor)
        if len(coarse.vertices) < 3 or len(coarse.vertices) >= len(fine.vertices):
            raise ValueError(f"a mesh of {len(fine.vertices)} vertices cannot be decimated by {factor} "
                             "into a smaller mesh: use fewer or smaller pyramid factors")
        down.append(barycentric_map(coarse.vertices, fine.vertices, fine.faces))
        up.append(barycentric_map(fine.vertices, coarse.vertices, coarse.faces))
        levels.append(coarse)
    return MeshPyramid(levels, down, up)
