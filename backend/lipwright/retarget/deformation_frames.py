"""How the fit deformed the template around each vertex: a 3x3 map per vertex, as in deformation transfer.

A triangle's frame is its two edges and its normal scaled to the edges' length (Sumner and Popović 2004);
the map between the rest frame and the fitted frame rotates and stretches a displacement the way the
surface around it was rotated and stretched."""

from __future__ import annotations

import numpy as np

from ..geometry.similarity import Similarity


def template_vertex_frames(rest: np.ndarray, fitted: np.ndarray, triangles: np.ndarray,
                           similarity: Similarity) -> np.ndarray:
    """rest, fitted: (V, 3) template vertices before and after the fit (template space); triangles (T, 3).
    Returns (V, 3, 3): at each vertex, the map from a template displacement to the character's displacement
    (character space): the similarity's scale and rotation (mirror included) after the fit's local map."""
    rest_frames, rest_area = _frames(rest, triangles)
    fitted_frames, _ = _frames(fitted, triangles)
    usable = rest_area > 1e-12 * max(float(rest_area.max()), 1e-30)
    local = np.einsum("tij,tjk->tik", fitted_frames[usable], np.linalg.inv(rest_frames[usable]))
    # Area-weighted mean of the maps of the triangles around each vertex.
    summed = np.zeros((len(rest), 3, 3))
    weight = np.zeros(len(rest))
    for corner in range(3):
        np.add.at(summed, triangles[usable, corner], rest_area[usable, None, None] * local)
        np.add.at(weight, triangles[usable, corner], rest_area[usable])
    frames = np.broadcast_to(np.eye(3), summed.shape).copy()
    touched = weight > 0
    frames[touched] = summed[touched] / weight[touched, None, None]
    return similarity.scale * np.einsum("ij,vjk->vik", similarity.rotation, frames)


def _frames(vertices: np.ndarray, triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3, 3) columns edge1, edge2, unit normal × sqrt(|edge1 × edge2|); and (T,) twice the area."""
    first = vertices[triangles[:, 0]]
    edge1, edge2 = vertices[triangles[:, 1]] - first, vertices[triangles[:, 2]] - first
    cross = np.cross(edge1, edge2)
    doubled_area = np.linalg.norm(cross, axis=1)
    normal = cross / np.sqrt(np.maximum(doubled_area, 1e-30))[:, None]
    return np.stack([edge1, edge2, normal], axis=2), doubled_area
