"""Checks a character mesh and its landmarks before any fitting work, with messages that name the fix."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..errors import MeshError
from ..geometry.mesh import MeshData
from ..geometry.validate import validate_mesh

# Fitting, correspondence and 52 targets for more than this would take minutes and gigabytes.
MAX_CHARACTER_VERTICES = 250_000
MIN_CHARACTER_VERTICES = 100
# The lip seam decides everything downstream; the rest only steers the rough placement.
REQUIRED_LANDMARKS = ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")
MIN_LANDMARKS = 6


def check_character_mesh(mesh: MeshData) -> MeshData:
    """The mesh as float32/int32 arrays, or MeshError: too large, too small, NaN, broken polygons, no area."""
    vertex_count = int(np.shape(mesh.vertices)[0]) if np.ndim(mesh.vertices) else 0
    if vertex_count > MAX_CHARACTER_VERTICES:  # before any copy or conversion of a huge array
        raise MeshError(
            f"The character has {vertex_count:,} vertices; preparing a character works on meshes of up to "
            f"{MAX_CHARACTER_VERTICES:,}. Prepare a lower-resolution copy (Decimate modifier, or a lower "
            "Subdivision level) and let the Subdivision modifier add detail after the shape keys.")
    mesh = validate_mesh(mesh.vertices, mesh.faces_flat, mesh.face_sizes, max_vertices=MAX_CHARACTER_VERTICES)
    if mesh.vertex_count < MIN_CHARACTER_VERTICES:
        raise MeshError(f"The character has only {mesh.vertex_count} vertices, too few to carry a face's motion "
                        f"(at least {MIN_CHARACTER_VERTICES}): subdivide it or pick the face mesh.")
    extent = np.ptp(mesh.vertices, axis=0)
    if float(extent.min()) <= 1e-6 * max(float(extent.max()), 1e-30):
        raise MeshError("The character mesh is flat (it has no depth to hold a face): "
                        "pick the head mesh itself, with its scale applied.")
    return mesh


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
