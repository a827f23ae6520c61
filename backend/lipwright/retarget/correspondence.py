"""Where each character vertex sits on the fitted template: a triangle and barycentric coordinates, kept as npz."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np
import trimesh
from scipy.spatial import cKDTree

from ..errors import MeshError

FORMAT_VERSION = 1
# Character vertices this close to the fitted template (metres at the template's size) move fully with it;
# beyond FAR_M (hair, hats, the far side of a thick mesh) they do not move at all.
NEAR_M = 0.004
FAR_M = 0.012
# What a place on a triangle facing the opposite way costs extra, as if it were this much farther (metres).
NORMAL_COST_M = 0.004


@dataclass(frozen=True)
class Correspondence:
    """For Vchar character vertices: triangle (Vchar,) index into the template's triangles; corners
    (Vchar, 3) the template vertices of that triangle; barycentric (Vchar, 3) weights of those corners;
    distance (Vchar,) from the character vertex to that place, in template metres; frames (Vchar, 3, 3):
    the map from a template displacement there to the character vertex's displacement (zero far from the
    template); template_vertex_count: the template it belongs to."""

    triangle: np.ndarray
    corners: np.ndarray
    barycentric: np.ndarray
    distance: np.ndarray
    frames: np.ndarray
    template_vertex_count: int

    @property
    def vertex_count(self) -> int:
        return int(len(self.triangle))

    def sample(self, values: np.ndarray) -> np.ndarray:
        """Per-template-vertex values (..., Vtemplate, k) read at each character vertex: (..., Vchar, k)."""
        gathered = values[..., self.corners, :]  # (..., Vchar, 3, k)
        return np.einsum("...vck,vc->...vk", gathered, self.barycentric.astype(values.dtype))


def find_correspondence(fitted: np.ndarray, triangles: np.ndarray, character_vertices: np.ndarray,
                        character_normals: np.ndarray, template_frames: np.ndarray,
                        allowed_triangles: np.ndarray | None = None) -> Correspondence:
    """fitted: (Vtemplate, 3) fitted template; triangles: (T, 3) its triangles; character_vertices (Vchar, 3),
    both in template space; character_normals (Vchar, 3) unit outward normals; template_frames (Vtemplate, 3, 3) from deformation_frames. Each character vertex
    is matched to its closest point on the fitted template, among allowed_triangles (indices; all if None)."""
    allowed = np.arange(len(triangles)) if allowed_triangles is None else np.asarray(allowed_triangles)
    closest, distance, nearest = closest_points_on_triangles(fitted, triangles[allowed], character_vertices,
                                                                character_normals)
    triangle = allowed[nearest]
    corners = triangles[triangle]
    barycentric = trimesh.triangles.points_to_barycentric(fitted[corners], closest)
    # Closest points lie in their triangle, so only rounding makes a weight negative.
    barycentric = np.clip(barycentric, 0.0, None)
    barycentric /= barycentric.sum(axis=1, keepdims=True)
    fade = np.clip((FAR_M - distance) / (FAR_M - NEAR_M), 0.0, 1.0)
    frames = np.einsum("vc,vcij->vij", barycentric, template_frames[corners]) * fade[:, None, None]
    return Correspondence(triangle=triangle.astype(np.int32), corners=corners.astype(np.int32),
                          barycentric=barycentric.astype(np.float32), distance=distance.astype(np.float32),
                          frames=frames.astype(np.float32), template_vertex_count=len(fitted))


def closest_points_on_triangles(vertices: np.ndarray, triangles: np.ndarray, points: np.ndarray,
                                point_normals: np.ndarray | None = None, tries: tuple[int, ...] = (24, 128, 512),
                                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(closest (P, 3), distance (P,), triangle (P,)) of each point on the surface (vertices (V, 3), triangles
    (T, 3)). With point_normals (P, 3) (unit), a place whose triangle faces another way costs up to
    NORMAL_COST_M more, so a point on the upper lip's seam finds the upper lip, not the lower lip facing it.

    Tries the triangles of the nearest few surface samples, all at once with numpy, then more for the
    points where a triangle not tried could still be better, and only then trimesh's search (point by point,
    a minute for 200,000 points, and a few hundredths of a millimetre off at times; it ignores normals, and
    is almost never needed)."""
    corners = vertices[triangles]
    samples, owner, reach = _surface_samples(corners)
    triangle_normals = _unit(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]))
    tree = cKDTree(samples)
    closest = np.empty((len(points), 3))
    distance = np.empty(len(points))
    triangle = np.empty(len(points), dtype=np.int64)
    unsure = np.arange(len(points))
    for count in tries:
        count = min(count, len(samples))
        step = max(1, 400_000 // count)
        for start in range(0, len(unsure), step):
            chosen = unsure[start:start + step]
            normals = None if point_normals is None else point_normals[chosen]
            closest[chosen], distance[chosen], triangle[chosen], cost, last = _best_of_nearest(
                tree, owner, corners, triangle_normals, points[chosen], normals, count)
            # Every surface point lies within `reach` of a sample, and cost >= distance, so beyond the last
            # sample tried plus `reach` nothing can beat the best found.
            distance[chosen] = np.where(last < cost + reach, -distance[chosen] - 1.0, distance[chosen])
        unsure = np.flatnonzero(distance < 0)
        distance[unsure] = -distance[unsure] - 1.0
        if len(unsure) == 0 or count == len(samples):
            return closest, distance, triangle
    surface = trimesh.Trimesh(vertices, triangles, process=False)
    closest[unsure], distance[unsure], triangle[unsure] = trimesh.proximity.closest_point(surface, points[unsure])
    return closest, distance, triangle


def _best_of_nearest(tree: cKDTree, owner: np.ndarray, corners: np.ndarray, triangle_normals: np.ndarray,
                     points: np.ndarray, normals: np.ndarray | None, count: int):
    sample_distance, near = tree.query(points, k=count)
    sample_distance, near = sample_distance.reshape(len(points), count), owner[near.reshape(len(points), count)]
    repeated = np.repeat(points, count, axis=0)
    on_each = trimesh.triangles.closest_point(corners[near.reshape(-1)], repeated)
    gaps = np.linalg.norm(on_each - repeated, axis=1).reshape(len(points), count)
    cost = gaps
    if normals is not None:
        agreement = np.einsum("pkd,pd->pk", triangle_normals[near], normals)
        cost = gaps + NORMAL_COST_M * (1.0 - agreement) / 2
    best = np.argmin(cost, axis=1)
    rows = np.arange(len(points))
    return (on_each.reshape(len(points), count, 3)[rows, best], gaps[rows, best], near[rows, best],
            cost[rows, best], sample_distance[:, -1])


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-30)


def _surface_samples(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Centroids of each triangle cut into n×n similar pieces, n chosen so every piece is about as small as
    a third of a median triangle: (samples (S, 3), owning triangle (S,), reach: no surface point is farther from its
    piece's centroid)."""
    centroids = corners.mean(axis=1)
    radius = np.linalg.norm(corners - centroids[:, None], axis=2).max(axis=1)
    target = max(float(np.median(radius)) / 3, 1e-12)
    pieces = np.clip(np.ceil(radius / target), 1, 48).astype(np.int64)
    samples, owner = [], []
    for n in np.unique(pieces):
        chosen = np.flatnonzero(pieces == n)
        weights = _piece_centroids(int(n))
        samples.append(np.einsum("sc,tcd->tsd", weights, corners[chosen]).reshape(-1, 3))
        owner.append(np.repeat(chosen, len(weights)))
    return np.concatenate(samples), np.concatenate(owner), float((radius / pieces).max())


def _piece_centroids(n: int) -> np.ndarray:
    """Barycentric coordinates (n*n, 3) of the centroids of a triangle's n×n pieces."""
    upward = [(i + 1 / 3, j + 1 / 3) for i in range(n) for j in range(n - i)]
    downward = [(i + 2 / 3, j + 2 / 3) for i in range(n - 1) for j in range(n - 1 - i)]
    ij = np.array(upward + downward) / n
    return np.column_stack([1.0 - ij.sum(axis=1), ij[:, 0], ij[:, 1]])


def correspondence_npz_bytes(correspondence: Correspondence) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, format_version=np.int32(FORMAT_VERSION), triangle=correspondence.triangle,
             corners=correspondence.corners, barycentric=correspondence.barycentric,
             distance=correspondence.distance, frames=correspondence.frames,
             template_vertex_count=np.int64(correspondence.template_vertex_count))
    return buffer.getvalue()


def load_correspondence(data: bytes) -> Correspondence:
    """Reads what correspondence_npz_bytes wrote; MeshError when it is damaged or of another format."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            if int(stored["format_version"]) != FORMAT_VERSION:
                raise MeshError(f"This character was prepared by another Lipwright version (correspondence format "
                                f"{int(stored['format_version'])}, this one reads {FORMAT_VERSION}): prepare it again.")
            correspondence = Correspondence(
                triangle=stored["triangle"].astype(np.int32), corners=stored["corners"].astype(np.int32),
                barycentric=stored["barycentric"].astype(np.float32), distance=stored["distance"].astype(np.float32),
                frames=stored["frames"].astype(np.float32), template_vertex_count=int(stored["template_vertex_count"]))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise MeshError(f"The character's stored correspondence is unreadable ({error}): prepare it again.") from None
    count = correspondence.vertex_count
    shapes_agree = (correspondence.corners.shape == (count, 3) and correspondence.barycentric.shape == (count, 3)
                    and correspondence.distance.shape == (count,) and correspondence.frames.shape == (count, 3, 3))
    in_range = count == 0 or (0 <= correspondence.corners.min()
                              and correspondence.corners.max() < correspondence.template_vertex_count)
    if not (shapes_agree and in_range):
        raise MeshError("The character's stored correspondence is inconsistent: prepare the character again.")
    return correspondence
