"""Places the default head on a character by its landmarks: a similarity, then a smooth thin-plate warp through them."""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RBFInterpolator

from ..errors import MeshError
from ..geometry.similarity import Similarity, fit_similarity

# Landmarks that miss the similarity by more than this share of the mouth width do not describe a face
# shaped like a face (wrong names, swapped sides, a landmark on the ear).
MAX_SIMILARITY_ERROR_SHARE = 0.6
# A landmark that only shapes its neighbourhood moves the template by its miss within about this distance
# (metres, template space), fading to 5% 4.3 cm away, where the mouth corners lie from the lids: a
# spline through eyelids found a few millimetres off (automatic lids on an empty eye socket miss by 5 to 10%
# of the mouth's width) tilted its affine part, and with it every lip vertex's map, by up to 10%.
LOCAL_REACH_M = 0.025
# A 3D thin-plate spline with its affine part needs 4 points off one plane; with fewer than this many
# others, the local points join the spline.
MIN_SPLINE_POINTS = 5


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


def thin_plate_warp(template_points: np.ndarray, character_points: np.ndarray, vertices: np.ndarray,
                    local: np.ndarray | None = None, local_reach: float = LOCAL_REACH_M) -> np.ndarray:
    """vertices (V, 3) moved by the thin-plate spline that takes template_points exactly onto character_points
    (both (n, 3), in the same space); an affine map when the points only differ by one. local: (n,) bool, the
    points (eyelids) that only shape their own neighbourhood: the spline goes through the others, and each
    local point's remaining miss is spread around it, fading within local_reach (metres)."""
    local = np.zeros(len(template_points), dtype=bool) if local is None else np.asarray(local, dtype=bool)
    if (~local).sum() < MIN_SPLINE_POINTS:
        local = np.zeros_like(local)
    spline = RBFInterpolator(template_points[~local], character_points[~local] - template_points[~local],
                             kernel="thin_plate_spline", degree=1)
    warped = vertices + spline(vertices)
    if not local.any():
        return warped
    # The spline's points are anchors that the correction leaves where they are.
    miss = character_points - (template_points + spline(template_points))
    miss[~local] = 0.0
    correction = RBFInterpolator(template_points, miss, kernel="gaussian", epsilon=1.0 / local_reach, degree=-1)
    return warped + correction(vertices)
