"""Undoes the folds a character's generated shape keys make where the template's own keys make none.

Each vertex's offset is the template's carried by a linear map (deformation_frames), and a linear map is
only the first-order part of how the fit bends space: where a key moves the skin far (jawOpen carries the
lower lip 3 to 4 cm) across a region the fit stretches unevenly (a stylised face's widened mouth), the
second-order part left out turns over triangles the template keeps upright, as even the stylising warp's
true gradient does. So after the keys are made, each key's offsets are smoothed over the character's own
surface, a few steps at a time, only at the vertices of those triangles (and rings round them while that
is not enough), until no weight up to full turns one over where the template's key turns none. Keys whose
template folds the same place (lips pressing on mouthClose, lids meeting on a blink) are left so there."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, diags
from scipy.spatial import cKDTree

from .correspondence import Correspondence, closest_points_on_triangles

# The weights at which a triangle is checked: its normal is quadratic in the weight, so a few suffice.
CHECKED_WEIGHTS = np.linspace(0.1, 1.0, 10)
# Smoothing steps before the smoothed region grows by a ring, and steps in all.
STEPS_PER_RING = 4
MAX_STEPS = 16
# Two vertices a key brings this close (template metres), to under half their gap at rest, touch under it:
# lids meeting on a blink, lips pressing on mouthClose.
CONTACT_M = 0.0015
# A state of the smoothing is kept only if no contact opened by more than this share of CONTACT_M (half a
# millimetre: a blink's lids that part by more show light between them).
CONTACT_SLACK = 0.35


def untangle_targets(targets: np.ndarray, character_vertices: np.ndarray, character_triangles: np.ndarray,
                     character_in_template: np.ndarray, character_normals: np.ndarray,
                     correspondence: Correspondence, template_rest: np.ndarray, template_fitted: np.ndarray,
                     template_triangles: np.ndarray, allowed_triangles: np.ndarray,
                     template_targets: np.ndarray) -> np.ndarray:
    """targets: (units, Vchar, 3) the character's generated offsets (character space); character_vertices
    (Vchar, 3) its rest positions in the same space; character_triangles (T, 3); character_in_template
    (Vchar, 3) and character_normals (T, 3) unit outward triangle normals, both in template space;
    correspondence: the character's places on the template (its `triangle` indexes template_triangles);
    template_rest, template_fitted (Vtemplate, 3) and template_triangles (S, 3): the template before and
    after the fit; allowed_triangles: indices of the template triangles the character may lie on;
    template_targets (units, Vtemplate, 3) its face units. Returns the targets (float32) with the
    character-only folds smoothed out."""
    result = np.array(targets, dtype=np.float64)
    vertices = np.asarray(character_vertices, dtype=np.float64)
    triangles = np.asarray(character_triangles, dtype=np.int64)
    neighbour_mean = _neighbour_mean(triangles, len(vertices))
    counterpart = _Counterparts(template_fitted, template_triangles, allowed_triangles, correspondence.triangle,
                                character_in_template, character_normals, triangles)
    template_rest = np.asarray(template_rest, dtype=np.float64)
    template_targets = np.asarray(template_targets, dtype=np.float64)
    template_triangles = np.asarray(template_triangles, dtype=np.int64)
    in_template = np.asarray(character_in_template, dtype=np.float64)
    contact = CONTACT_M * np.linalg.norm(vertices - vertices.mean(axis=0)) / max(
        float(np.linalg.norm(in_template - in_template.mean(axis=0))), 1e-30)
    for unit in range(len(result)):
        result[unit] = _untangle_unit(result[unit], vertices, triangles, neighbour_mean, counterpart, contact,
                                      lambda: _folded_at_any_weight(template_rest, template_targets[unit],
                                                                    template_triangles))
    return result.astype(np.float32)


def _untangle_unit(offsets, vertices, triangles, neighbour_mean, counterpart, contact, template_folds_of):
    """One key's offsets with as few character-only folds as smoothing reaches (the first state with the
    fewest); unchanged when smoothing cannot lessen them (such folds lie where the template's own key
    squeezes the skin, shifted a triangle by the fit)."""
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
        own = folded[~template_folds[counterpart.of(folded)].any(axis=1)] if len(folded) else folded
        opened = np.linalg.norm((vertices + smoothed)[pairs[:, 0]] - (vertices + smoothed)[pairs[:, 1]], axis=1) \
            > gaps + CONTACT_SLACK * contact
        if fewest is None or (len(own) < fewest and not opened.any()):
            best, fewest = smoothed, len(own)
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


class _Counterparts:
    """The fitted template's triangles under each character triangle: the one under its centre and those its
    corners were placed on (a fit that slides the surface by a triangle's width still finds a fold of the
    template's there). The centres are looked up only for the triangles that fold (few), and kept."""

    def __init__(self, fitted, template_triangles, allowed_triangles, corner_triangles, character_in_template,
                 character_normals, triangles):
        self._fitted = np.asarray(fitted, dtype=np.float64)
        self._allowed = np.asarray(allowed_triangles, dtype=np.int64)
        self._template_triangles = np.asarray(template_triangles, dtype=np.int64)[self._allowed]
        self._corners = np.asarray(corner_triangles, dtype=np.int64)[triangles]
        self._centres = np.asarray(character_in_template, dtype=np.float64)[triangles].mean(axis=1)
        self._normals = np.asarray(character_normals, dtype=np.float64)
        self._known = np.full(len(triangles), -1, dtype=np.int64)

    def of(self, character_triangles: np.ndarray) -> np.ndarray:
        """(n, 4) template triangle indices under each of the n character triangles."""
        unknown = character_triangles[self._known[character_triangles] < 0]
        if len(unknown):
            _, _, found = closest_points_on_triangles(self._fitted, self._template_triangles, self._centres[unknown],
                                                      self._normals[unknown])
            self._known[unknown] = self._allowed[found]
        return np.column_stack([self._known[character_triangles], self._corners[character_triangles]])
