"""How the fit deformed the template around each vertex: a 3x3 map per vertex, as in deformation transfer.

The map at a vertex is the linear map that best carries the offsets to its nearest template vertices before
the fit onto those after it (least squares over the neighbourhood): the fit's local gradient in 3D. A frame
built from each triangle alone (its edges and its normal scaled to its size, Sumner and Popović 2004) cannot
see how the fit shears the direction off the surface; averaged over the triangles round a thin, curled lip
edge it folded a stylised face's lower lip on jawOpen (80 triangles at full opening, 24 at 0.3), where the
neighbourhood's map folds 13 and none (the default head itself folds 6 at full opening)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..geometry.similarity import Similarity

# Template vertices each map is fitted to: enough to span 3D where the surface curls (lips, nostrils),
# few enough to stay local (about a centimetre on the default head's lips).
NEIGHBOURS = 24
# Pulls each map gently toward the identity (before the similarity), so a flat or degenerate neighbourhood
# still gives a map; a share of the neighbourhood's own (normalised) weight.
RIDGE = 0.05


def template_vertex_frames(rest: np.ndarray, fitted: np.ndarray, triangles: np.ndarray,
                           similarity: Similarity) -> np.ndarray:
    """rest, fitted: (V, 3) template vertices before and after the fit (template space); triangles (T, 3):
    the surface whose vertices are the neighbours. Returns (V, 3, 3): at each vertex, the map from a template
    displacement to the character's displacement (character space): the similarity's scale and rotation
    (mirror included) after the fit's local map."""
    rest = np.asarray(rest, dtype=np.float64)
    fitted = np.asarray(fitted, dtype=np.float64)
    surface = np.unique(triangles)
    count = min(NEIGHBOURS, len(surface) - 1)
    _, nearest = cKDTree(rest[surface]).query(rest, k=count + 1)
    neighbours = surface[nearest[:, 1:]]  # (V, k); the vertex itself (distance 0) is left out
    before = rest[neighbours] - rest[:, None]
    after = fitted[neighbours] - fitted[:, None]
    # Each vertex's offsets normalised by their mean square length, so the ridge means the same everywhere.
    weight = 1.0 / np.maximum(np.einsum("vkd,vkd->vk", before, before).mean(axis=1), 1e-30)
    moments = np.einsum("v,vki,vkj->vij", weight, before, before) + RIDGE * np.eye(3)
    cross = np.einsum("v,vki,vkj->vij", weight, after, before) + RIDGE * np.eye(3)
    frames = np.einsum("vij,vjk->vik", cross, np.linalg.inv(moments))
    return similarity.scale * np.einsum("ij,vjk->vik", similarity.rotation, frames)
