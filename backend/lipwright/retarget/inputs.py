"""Checks a character mesh and its landmarks before any fitting work, with messages that name the fix."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..errors import MeshError
from ..geometry.mesh import MeshData
from ..geometry.validate import validate_mesh
from .template_regions import triangulate

# Fitting, correspondence and 52 targets for more than this would take minutes and gigabytes.
MAX_CHARACTER_VERTICES = 250_000
MIN_CHARACTER_VERTICES = 100
# The lip seam decides everything downstream; the rest only steers the rough placement.
REQUIRED_LANDMARKS = ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")
MIN_LANDMARKS = 6
# A face is one connected surface whose edges each join two polygons (bar the rims of openings); a mesh whose
# largest connected piece is this small a share of it, or has fewer such edges, is a soup, not a surface.
MIN_LARGEST_PIECE_SHARE = 0.05
MIN_MANIFOLD_EDGE_SHARE = 0.5


def check_character_mesh(mesh: MeshData, min_vertices: int = MIN_CHARACTER_VERTICES) -> MeshData:
    """The mesh as float32/int32 arrays, or MeshError: too large (checked before anything else is done with it),
    too small, NaN, broken polygons, no depth, no connected surface (a triangle soup, a non-manifold mess)."""
    check_vertex_count(mesh)
    mesh = validate_mesh(mesh.vertices, mesh.faces_flat, mesh.face_sizes, max_vertices=MAX_CHARACTER_VERTICES)
    if mesh.vertex_count < min_vertices:
        raise MeshError(f"The character has only {mesh.vertex_count} vertices, too few to carry a face's motion "
                        f"(at least {min_vertices}): subdivide it or pick the face mesh.")
    extent = np.ptp(mesh.vertices, axis=0)
    if float(extent.min()) <= 1e-6 * max(float(extent.max()), 1e-30):
        raise MeshError("The character mesh is flat (it has no depth to hold a face): "
                        "pick the head mesh itself, with its scale applied.")
    check_connected_surface(mesh)
    return mesh


def check_vertex_count(mesh: MeshData) -> None:
    """MeshError for more vertices than a character may have, read from the array's shape alone (no copy)."""
    vertex_count = int(np.shape(mesh.vertices)[0]) if np.ndim(mesh.vertices) else 0
    if vertex_count > MAX_CHARACTER_VERTICES:
        raise MeshError(
            f"The character has {vertex_count:,} vertices, more than the {MAX_CHARACTER_VERTICES:,} that preparing "
            "a character handles. Prepare a lower-resolution copy (Decimate modifier, or a lower Subdivision "
            "level), or select only the head, and let the Subdivision modifier add detail after the shape keys.")


def check_connected_surface(mesh: MeshData) -> None:
    """MeshError when the polygons do not make a surface: loose triangles, or edges shared by one or many."""
    # Imported here: the server imports this module's checks at start, in Pythons that may lack scipy.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    triangles = triangulate(mesh)
    edges = np.sort(np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]]), axis=1)
    keys, edge_of, uses = np.unique(edges[:, 0] * np.int64(mesh.vertex_count) + edges[:, 1],
                                    return_inverse=True, return_counts=True)
    graph = coo_matrix((np.ones(len(keys)), (keys // mesh.vertex_count, keys % mesh.vertex_count)),
                       shape=(mesh.vertex_count,) * 2)
    piece = connected_components(graph, directed=False)[1][triangles[:, 0]]
    largest = np.bincount(piece).argmax()
    in_largest = piece == largest
    piece_share = float(in_largest.mean())
    largest_count, total = int(in_largest.sum()), len(triangles)
    # Each edge of the largest piece, once: does it join exactly two triangles?
    largest_edges = np.unique(edge_of.reshape(3, -1)[:, in_largest])
    manifold_share = float(np.mean(uses[largest_edges] == 2))
    if piece_share < MIN_LARGEST_PIECE_SHARE or manifold_share < MIN_MANIFOLD_EDGE_SHARE:
        raise MeshError(
            f"The mesh is not a connected surface (a triangle soup or a non-manifold mess): its largest connected "
            f"piece is {largest_count:,} of its {total:,} triangles, and {1 - manifold_share:.0%} of that piece's "
            "edges join one triangle or more than two instead of two. Merge its vertices (Mesh > Clean Up > Merge by "
            "Distance) or remesh it (Voxel Remesh), or pick the mesh that holds the face.")


def check_landmarks(landmarks: Mapping[str, object], known_names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """name -> (3,) float64 point; raises MeshError naming what is missing or wrong."""
    unknown = sorted(set(landmarks) - set(known_names))
    if unknown:
        raise MeshError(f"Unknown landmark names {unknown}: use the default head's names {list(known_names)}.")
    missing = [name for name in REQUIRED_LANDMARKS if name not in landmarks]
    if missing:
        raise MeshError(f"The landmarks lack {missing}: the lips' midpoints and mouth corners are needed to fit "
                        "the face; place them on the seam where the upper and lower lip meet.")
    if len(landmarks) < MIN_LANDMARKS:
        raise MeshError(f"Only {len(landmarks)} landmarks were given; the fit needs at least {MIN_LANDMARKS} "
                        "(the four at the mouth plus nose tip, chin or the eyelids) to find the face's "
                        "size and direction.")
    points = {}
    for name, value in landmarks.items():
        point = np.asarray(value, dtype=np.float64).reshape(-1)
        if point.shape != (3,) or not np.isfinite(point).all():
            raise MeshError(f"The landmark {name} is {value!r}, not a finite 3D point (x, y, z).")
        points[name] = point
    corners = np.linalg.norm(points["mouth_corner_left"] - points["mouth_corner_right"])
    if corners <= 0:
        raise MeshError("The two mouth corners are at the same place: put them at the two ends of the lip seam.")
    return points
