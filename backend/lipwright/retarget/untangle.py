"""Undoes the folds a character's generated shape keys make where the template's own keys make none.

Each vertex's offset is the template's carried by a linear map (deformation_frames), and a linear map is
only the first-order part of how the fit bends space: where a key moves the skin far (jawOpen carries the
lower lip 3 to 4 cm) across a region the fit stretches unevenly (a stylised face's widened mouth), the
part left out turns over triangles the template keeps upright, as even the stylising warp's true gradient
does. So after the keys are made, each key's offsets are smoothed over the character's own surface, a step
at a time, only at the vertices of the triangles it folds where the template's own motion does not (and
rings round them while that is not enough). A fold is the template's when the triangle, put back on the
template's rest surface at its corners' places and moved by the template's own key there, folds too: a
coarse character's triangle across a curled lip folds with the head's own motion, and is left so."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, diags
from scipy.spatial import cKDTree

from .correspondence import Correspondence

# The weights at which a triangle is checked: its normal is quadratic in the weight, so a few suffice.
CHECKED_WEIGHTS = np.linspace(0.1, 1.0, 10)
# Smoothing steps before the smoothed region grows by a ring round the folds left, and steps in all.
STEPS_PER_RING = 4
MAX_STEPS = 16
# Two vertices a key brings this close (template metres), to under half their distance at rest, from
# surfaces that faced each other, touch under it: lids meeting on a blink, lips pressing on mouthClose.
CONTACT_M = 0.0015
# A smoothed key is kept only if no contact opened by more than this share of CONTACT_M (half a millimetre).
CONTACT_SLACK = 0.35


def untangle_targets(targets: np.ndarray, units: np.ndarray, character_vertices: np.ndarray,
                     character_triangles: np.ndarray, character_scale: float, correspondence: Correspondence,
                     template_rest: np.ndarray, template_targets: np.ndarray) -> np.ndarray:
    """targets: (K, Vchar, 3) the character's generated offsets (character space); units: the indices of the
    keys to untangle; character_vertices (Vchar, 3) its rest positions in the same space; character_triangles
    (T, 3); character_scale: character length per template metre; correspondence: the character's places on
    the template; template_rest (Vtemplate, 3) and template_targets (K, Vtemplate, 3): the template's own
    rest and keys. Returns the targets (float32, a copy) with those keys' character-only folds smoothed."""
    result = np.array(targets, dtype=np.float32)
    vertices = np.asarray(character_vertices, dtype=np.float64)
    triangles = np.asarray(character_triangles, dtype=np.int64)
    neighbour_mean = _neighbour_mean(triangles, len(vertices))
    pulled_back = correspondence.sample(np.asarray(template_rest, dtype=np.float64))
    for unit in units:
        def template_folds(unit=unit):
            moved = correspondence.sample(np.asarray(template_targets[unit], dtype=np.float64))
            return _folded_at_any_weight(pulled_back, moved, triangles)
        result[unit] = _untangle_unit(result[unit].astype(np.float64), vertices, triangles, neighbour_mean,
                                      CONTACT_M * character_scale, template_folds)
    return result


def _untangle_unit(offsets, vertices, triangles, neighbour_mean, contact, template_folds_of):
    """One key's offsets with as few character-only folds as smoothing reaches (then as few folds in all),
    among the smoothed states that keep its contacts shut; unchanged when smoothing cannot lessen them."""
    moving = np.any(offsets != 0.0, axis=1)
    candidates = np.flatnonzero(moving[triangles].any(axis=1))
    if len(candidates) == 0:
        return offsets
    best, fewest = offsets, None
    pairs, gaps = _contacts(vertices, triangles, offsets, np.flatnonzero(moving), contact)
    smoothed = offsets
    template_folds = None
    free = np.zeros(len(vertices), dtype=bool)
    for step in range(MAX_STEPS + 1):
        folded = candidates[_folded_at_any_weight(vertices, smoothed, triangles[candidates])]
        if len(folded) and template_folds is None:
            template_folds = template_folds_of()
        own = folded[~template_folds[folded]] if len(folded) else folded
        posed = vertices + smoothed
        opened = np.linalg.norm(posed[pairs[:, 0]] - posed[pairs[:, 1]], axis=1) > gaps + CONTACT_SLACK * contact
        if fewest is None or ((len(own), len(folded)) < fewest and not opened.any()):
            best, fewest = smoothed, (len(own), len(folded))
        if len(own) == 0 or step == MAX_STEPS:
            break
        around = np.zeros(len(vertices), dtype=bool)
        around[triangles[own]] = True
        for _ in range(step // STEPS_PER_RING):  # the folds still left: smooth rings wider round them
            around |= (neighbour_mean @ around.astype(np.float64)) > 0
        free |= around
        smoothed = _smoothing_step(smoothed, vertices, neighbour_mean, np.flatnonzero(free))
    return best


def _contacts(vertices: np.ndarray, triangles: np.ndarray, offsets: np.ndarray, moving: np.ndarray,
              contact: float) -> tuple[np.ndarray, np.ndarray]:
    """(pairs (P, 2), gaps (P,)): the vertices the key at full weight brings within `contact` of each other,
    to under half their distance at rest, that faced each other at rest (normals opposed, as on lips or lids
    that meet: skin squeezed on one side faces one way; posed normals would not do, folds turn them over)."""
    corners = vertices[triangles]
    face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros_like(vertices)
    for corner in range(3):
        np.add.at(normals, triangles[:, corner], face_normals)
    posed = vertices + offsets
    pairs = moving[cKDTree(posed[moving]).query_pairs(contact, output_type="ndarray").reshape(-1, 2)]
    gaps = np.linalg.norm(posed[pairs[:, 0]] - posed[pairs[:, 1]], axis=1)
    touching = ((2.0 * gaps < np.linalg.norm(vertices[pairs[:, 0]] - vertices[pairs[:, 1]], axis=1))
                & (np.einsum("pd,pd->p", normals[pairs[:, 0]], normals[pairs[:, 1]]) < 0.0))
    return pairs[touching], gaps[touching]


def _smoothing_step(offsets: np.ndarray, vertices: np.ndarray, neighbour_mean: csr_matrix,
                    rows: np.ndarray) -> np.ndarray:
    """Half-way to the neighbours' mean at `rows`, measured from the affine motion that best fits those rows:
    a rotation of the jaw or a push of the lips is left whole, only its uneven part is smoothed (plain
    averaging on an uneven mesh would shrink the motion where it is large, and part the lips less)."""
    lifted = np.column_stack([vertices, np.ones(len(vertices))])
    affine, *_ = np.linalg.lstsq(lifted[rows], offsets[rows], rcond=None)
    uneven = offsets - lifted @ affine
    result = offsets.copy()
    result[rows] = lifted[rows] @ affine + 0.5 * uneven[rows] + 0.5 * (neighbour_mean[rows] @ uneven)
    return result


def _folded_at_any_weight(rest: np.ndarray, offsets: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(T,) bool: triangles whose normal turns by a right angle or more at some checked weight."""
    def normals(points):
        corners = points[triangles]
        return np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    at_rest = normals(rest)
    folded = np.zeros(len(triangles), dtype=bool)
    for weight in CHECKED_WEIGHTS:
        folded |= np.einsum("td,td->t", at_rest, normals(rest + weight * offsets)) <= 0.0
    return folded


def _neighbour_mean(triangles: np.ndarray, count: int) -> csr_matrix:
    """(V, V): row v averages v's neighbours along the surface's edges."""
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    edges = np.concatenate([edges, edges[:, ::-1]])
    adjacency = csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(count, count))
    adjacency.data[:] = 1.0  # an edge shared by two triangles counts once
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    return diags(1.0 / np.maximum(degree, 1.0)) @ adjacency
