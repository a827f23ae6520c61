"""Checks a mesh that came from a user before anything computes on it, with messages that name the fix."""

from __future__ import annotations

import numpy as np

from ..errors import MeshError
from .mesh import MeshData

MAX_COORDINATE = 1e4
# Corners (face_sizes.sum()) per allowed vertex: any sensible mesh has a handful, so this bounds faces as
# vertices are bounded without refusing real meshes (lipwright.wire uses the same figure).
MAX_CORNERS_PER_VERTEX = 16


def validate_mesh(vertices, faces_flat, face_sizes, max_vertices: int = 500_000) -> MeshData:
    """vertices: (V, 3) real numbers; faces_flat: (L,) integer vertex index per loop; face_sizes: (F,) integer
    loops per polygon. Returns them as MeshData (float32, int32, int32) or raises MeshError."""
    vertices = _as_array(vertices, "vertices")
    if vertices.size == 0:
        raise MeshError("The mesh has no vertices: pick a mesh object that has geometry.")
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise MeshError(f"The mesh's vertices must be an array of shape (V, 3), one x y z row per vertex; "
                        f"got shape {vertices.shape}: send the Basis coordinates as V rows of 3 numbers.")
    if not (np.issubdtype(vertices.dtype, np.floating) or np.issubdtype(vertices.dtype, np.integer)) \
            or vertices.dtype == bool:
        raise MeshError(f"The mesh's vertex coordinates must be real numbers, not {vertices.dtype}: "
                        "send them as float32 or float64.")
    if len(vertices) > max_vertices:
        raise MeshError(f"The mesh has {len(vertices):,} vertices, more than the limit of {max_vertices:,}: "
                        "decimate it (Decimate modifier, applied) or use a lower-resolution face.")
    finite = np.isfinite(vertices).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise MeshError(f"The mesh has {len(bad)} vertices with NaN or infinite coordinates (first: vertex {bad[0]}): "
                        "fix or delete them (e.g. Mesh > Clean Up) and try again.")
    largest = float(np.abs(vertices).max())
    if largest > MAX_COORDINATE:
        raise MeshError(f"The mesh has coordinates as large as {largest:.3g} units (the limit is {MAX_COORDINATE:.0e}): "
                        "it is absurdly large or far from the origin; apply a sensible scale and location first.")

    faces_flat = _as_index_array(faces_flat, "faces_flat", "vertex index of each face corner")
    face_sizes = _as_index_array(face_sizes, "face_sizes", "number of corners of each face")
    max_corners = MAX_CORNERS_PER_VERTEX * max_vertices
    if len(faces_flat) > max_corners or len(face_sizes) > max_corners:
        raise MeshError(f"The mesh has {max(len(faces_flat), len(face_sizes)):,} face corners or faces, more than "
                        f"the limit of {max_corners:,}: decimate it or use a lower-resolution face.")
    if len(face_sizes) == 0 or len(faces_flat) == 0:
        raise MeshError("The mesh has no faces (only loose vertices or edges): lip sync needs a surface; "
                        "fill it (F in Edit Mode) or pick a mesh with faces.")
    small = np.flatnonzero(face_sizes < 3)
    if len(small):
        raise MeshError(f"{len(small)} faces have fewer than 3 corners (first: face {small[0]} with "
                        f"{int(face_sizes[small[0]])}): every polygon needs at least 3; remove the broken faces.")
    huge = np.flatnonzero(face_sizes > len(faces_flat))
    if len(huge):  # also keeps the sum below from overflowing int64 and wrapping round to a match
        raise MeshError(f"Face {huge[0]} claims {int(face_sizes[huge[0]])} corners but only {len(faces_flat)} corner "
                        "indices were sent: faces_flat and face_sizes must describe the same polygons.")
    if int(face_sizes.sum()) != len(faces_flat):
        raise MeshError(f"The face sizes add up to {int(face_sizes.sum())} corners but {len(faces_flat)} corner "
                        "indices were sent: faces_flat and face_sizes must describe the same polygons.")
    outside = np.flatnonzero((faces_flat < 0) | (faces_flat >= len(vertices)))
    if len(outside):
        raise MeshError(f"{len(outside)} face corners point at vertices that do not exist (first: index "
                        f"{int(faces_flat[outside[0]])}, the mesh has {len(vertices)} vertices numbered from 0): "
                        "send the faces of the same mesh as the vertices.")
    return MeshData(
        vertices=np.ascontiguousarray(vertices, dtype=np.float32),
        faces_flat=np.ascontiguousarray(faces_flat, dtype=np.int32),
        face_sizes=np.ascontiguousarray(face_sizes, dtype=np.int32),
    )


def _as_array(values, name: str) -> np.ndarray:
    try:
        return np.asarray(values)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise MeshError(f"The mesh's {name} are not a regular array ({error}): send a rectangular array.") from None


def _as_index_array(values, name: str, meaning: str) -> np.ndarray:
    array = _as_array(values, name)
    if array.ndim != 1:
        raise MeshError(f"The mesh's {name} must be a flat (1-D) array with the {meaning}; got shape {array.shape}.")
    if len(array) and (not np.issubdtype(array.dtype, np.integer) or array.dtype == bool):
        raise MeshError(f"The mesh's {name} must be integers (the {meaning}), not {array.dtype}: "
                        "send them as int32 or int64.")
    return array.astype(np.int64)
