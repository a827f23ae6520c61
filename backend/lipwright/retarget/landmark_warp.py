"""Places the default head on a character by its landmarks: a similarity, then a smooth thin-plate warp through them."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RBFInterpolator

from ..errors import MeshError
from ..geometry.similarity import Similarity, fit_similarity

# Landmarks that miss the similarity by more than this share of the mouth width do not describe a face
# shaped like a face (wrong names, swapped sides, a landmark on the ear).
MAX_SIMILARITY_ERROR_SHARE = 0.6


def landmark_similarity(template_points: np.ndarray, character_points: np.ndarray, names: list[str],
                        template_mouth_width: float) -> Similarity:
    """The similarity taking the template's landmarks (n, 3) onto the character's (n, 3)."""
    similarity = fit_similarity(template_points, character_points)
    if similarity.scale <= 0 or not np.isfinite(similarity.scale):
        raise MeshError("The landmarks all sit at one point: place them on the character's face.")
    misses = np.linalg.norm(similarity.inverse().map_points(character_points) - template_points, axis=1)
    worst = int(np.argmax(misses))
    if misses[worst] > MAX_SIMILARITY_ERROR_SHARE * template_mouth_width:
        raise MeshError(
            f"The landmarks do not have a face's layout: {names[worst]} is "
            f"{misses[worst] / template_mouth_width:.1f} mouth widths from where the others put it. "
            "Check that left and right are not swapped and that each landmark sits on its feature.")
    return similarity


def thin_plate_warp(template_points: np.ndarray, character_points: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """vertices (V, 3) moved by the thin-plate spline that takes template_points exactly onto character_points
    (both (n, 3), in the same space); an affine map when the points only differ by one."""
    spline = RBFInterpolator(template_points, character_points - template_points, kernel="thin_plate_spline",
                             degree=1)
    return vertices + spline(vertices)
