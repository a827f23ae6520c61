"""Fits the face region of the (already warped) default head to the character's surface by non-rigid ICP."""

from __future__ import annotations

import numpy as np
import trimesh
from scipy.spatial import cKDTree

# Stiffness annealing (Amberg et al. 2007): stiff first, so the face moves as a whole onto the surface, then
# looser, so it follows the character's own shape. (stiffness, landmark weight, normal weight, iterations).
ANNEALING_STEPS = ((50.0, 5.0, 0.5, 4), (20.0, 5.0, 0.5, 4), (8.0, 2.0, 0.5, 4), (3.0, 1.0, 0.5, 4))
# Surface points farther than this (metres, in the template's size) from a face vertex are not its match.
MATCH_DISTANCE_M = 0.01
# Vertices outside the fitted face (inner mouth, teeth, eyes, scalp) take the fit's correction of the
# nearest face vertices, fading with this distance (metres).
CORRECTION_FADE_M = 0.015
# More target faces than this are decimated for the fit's closest-point searches (the result is unchanged
# at this density; the searches would not be).
MAX_TARGET_FACES = 60_000


def fit_face_surface(warped: np.ndarray, triangles: np.ndarray, face: np.ndarray, target: trimesh.Trimesh,
                     landmark_vertices: np.ndarray, landmark_points: np.ndarray) -> np.ndarray:
    """warped: (V, 3) template vertices already placed on the character; triangles: (T, 3); face: (V,) bool,
    the vertices to fit; target: the character's fitting_surface in the same space; landmark_vertices (n,) with their
    landmark_points (n, 3). Returns (V, 3): the face fitted, the rest carried along smoothly."""
    keep = face[triangles].all(axis=1)
    used = np.unique(triangles[keep])
    local = np.full(len(warped), -1, dtype=np.int64)
    local[used] = np.arange(len(used))
    source = trimesh.Trimesh(warped[used], local[triangles[keep]], process=False)
    on_face = local[landmark_vertices] >= 0
    fitted = trimesh.registration.nricp_amberg(
        source, target,
        source_landmarks=local[landmark_vertices[on_face]], target_positions=landmark_points[on_face],
        steps=[list(step) for step in ANNEALING_STEPS], distance_threshold=MATCH_DISTANCE_M / source.scale,
    )
    return _carry_correction(warped, used, np.asarray(fitted, dtype=np.float64) - warped[used])


def fitting_surface(target: trimesh.Trimesh) -> trimesh.Trimesh:
    """The character's surface for the fit's and the report's closest-point searches: decimated above
    MAX_TARGET_FACES, without zero-area triangles. One object, so its search tree is built once."""
    if len(target.faces) > MAX_TARGET_FACES:
        target = target.simplify_quadric_decimation(face_count=MAX_TARGET_FACES)
    # Zero-area triangles (common after decimation) give NaN barycentric normals, and the solve fails.
    areas = target.area_faces
    usable = areas > 1e-12 * max(float(areas.max()), 1e-30)
    if usable.all():
        return target
    return trimesh.Trimesh(target.vertices, target.faces[usable], process=False)


def _carry_correction(warped: np.ndarray, fitted_vertices: np.ndarray, correction: np.ndarray) -> np.ndarray:
    """The fitted vertices take their correction; every other vertex the inverse-distance mean of its
    nearest fitted vertices' corrections, faded with distance, so the inner mouth and eyes do not tear away."""
    result = warped.copy()
    result[fitted_vertices] += correction
    others = np.setdiff1d(np.arange(len(warped)), fitted_vertices)
    if len(others) == 0:
        return result
    distances, nearest = cKDTree(warped[fitted_vertices]).query(warped[others], k=min(8, len(fitted_vertices)))
    distances, nearest = np.atleast_2d(distances.T).T, np.atleast_2d(nearest.T).T
    weights = 1.0 / np.maximum(distances, 1e-6)
    mean = (weights[..., None] * correction[nearest]).sum(axis=1) / weights.sum(axis=1, keepdims=True)
    fade = np.exp(-(distances[:, 0] / CORRECTION_FADE_M) ** 2)
    result[others] += fade[:, None] * mean
    return result
