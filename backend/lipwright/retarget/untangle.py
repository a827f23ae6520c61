"""Undoes the folds a character's generated shape keys make where the template's own keys make none.

Each vertex's offset is the template's carried by a linear map (deformation_frames), and a linear map is
only the first-order part of how the fit bends space: where a key moves the skin far (jawOpen carries the
lower lip 3 to 4 cm) across a region the fit stretches unevenly (a stylised face's widened mouth), the
part left out turns over triangles the template keeps upright, as even the stylising warp's true gradient
does. So after the keys are made, each key's offsets are smoothed over the character's own surface, a step
at a time, only at the vertices of the triangles it folds where the template's own motion does not (and
rings round them while that is not enough). A fold is the template's when the triangle lies on the fitted
template (each corner within ON_HEAD_M of its place) and, put back on the template's rest surface at its
corners' places (each as far off the surface as it lies off the fitted one) and moved by the template's own
key there, folds too: a coarse character's triangle across a curled lip folds with the head's own motion,
and is left so. Vertices a key brings into contact (lips pressed together) are never moved: lips meet
where the source's meet."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, diags
from scipy.spatial import cKDTree

from .correspondence import Correspondence

# Smoothing steps before the smoothed region grows by a ring round the folds left, and steps in all.
STEPS_PER_RING = 4
MAX_STEPS = 16
# A character vertex this far (template metres) from its place on the fitted template is not on the head's
# surface, and the head's motion at its place says nothing of how the head folds there. The remeshed heads'
# coarse triangles sag up to 0.8 mm off the head (chords across its curves, with found landmarks too); the
# stylised face's mouth lies 1.2 to 4 mm off where the fit does not reach its proportions, and there the
# head's smile at the places turned over corner triangles the head's own mesh keeps upright.
ON_HEAD_M = 1.0e-3
# Two vertices a key brings this close (template metres), to under half their distance at rest, from
# surfaces that faced each other, touch under it: lids meeting on a blink, lips pressing on mouthClose.
CONTACT_M = 0.0015


def untangle_targets(targets: np.ndarray, units: np.ndarray, character_vertices: np.ndarray,
                     character_triangles: np.ndarray, character_scale: float, correspondence: Correspondence,
                     template_rest: np.ndarray, template_targets: np.ndarray,
                     off_surface: np.ndarray | None = None) -> np.ndarray:
    """targets: (K, Vchar, 3) the character's generated offsets (character space); units: the indices of the
    keys to untangle; character_vertices (Vchar, 3) its rest positions in the same space; character_triangles
    (T, 3); character_scale: character length per template metre; correspondence: the character's places on
    the template; template_rest (Vtemplate, 3) and template_targets (K, Vtemplate, 3): the template's own
    rest and keys; off_surface (Vchar, 3): each character vertex less its place on the fitted template (template
    space; none: every vertex on it). Returns the targets (float32, a copy) with those keys' character-only
    folds smoothed."""
    result = np.array(targets, dtype=np.float32)
    surface = _Surface(np.asarray(character_vertices, dtype=np.float64),
                       np.asarray(character_triangles, dtype=np.int64), CONTACT_M * character_scale)
    pulled_back = correspondence.sample(np.asarray(template_rest, dtype=np.float64))
    off_head = np.zeros(len(pulled_back), dtype=bool)
    if off_surface is not None:
        pulled_back += off_surface
        off_head = np.linalg.norm(off_surface, axis=1) > ON_HEAD_M

    def template_folds(chosen: np.ndarray, moved: np.ndarray) -> np.ndarray:
        return ~off_head[chosen].any(axis=1) & np.isfinite(_first_fold_weight(pulled_back, moved, chosen))

    for unit in units:
        moved = correspondence.sample(np.asarray(template_targets[unit], dtype=np.float64))
        result[unit] = _untangle_unit(result[unit].astype(np.float64), surface,
                                      lambda chosen, moved=moved: template_folds(chosen, moved))
    return result


class _Surface:
    """The character's rest surface: its vertices, triangles, each vertex's neighbour mean and outward normal."""

    def __init__(self, vertices: np.ndarray, triangles: np.ndarray, contact: float) -> None:
        self.vertices, self.triangles, self.contact = vertices, triangles, contact
        self.neighbour_mean = _neighbour_mean(triangles, len(vertices))
        corners = vertices[triangles]
        face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
        self.normals = np.zeros_like(vertices)
        for corner in range(3):
            np.add.at(self.normals, triangles[:, corner], face_normals)
        self._rest_tree = None

    def rest_tree(self) -> cKDTree:
        """The rest vertices' tree (where a key leaves a vertex still, it stays there), made once when needed."""
        if self._rest_tree is None:
            self._rest_tree = cKDTree(self.vertices)
        return self._rest_tree


def _untangle_unit(offsets: np.ndarray, surface: _Surface, template_folds_of) -> np.ndarray:
    """One key's offsets with as few character-only folds as smoothing reaches (then as few folds in all),
    moving no vertex the key brings into contact; unchanged when smoothing cannot lessen them.
    template_folds_of(triangles (n, 3)) says which of those the template's own key folds."""
    vertices, triangles = surface.vertices, surface.triangles
    moving = np.any(offsets != 0.0, axis=1)
    candidates = triangles[moving[triangles].any(axis=1)]
    made = _first_fold_weight(vertices, offsets, candidates)
    if not np.isfinite(made).any():
        return offsets
    fold_weights = made.copy()
    template_folds = np.full(len(candidates), -1, dtype=np.int8)  # -1: not looked at yet
    contacts = _Contacts(surface, offsets, moving)
    best, fewest = offsets, None
    smoothed = offsets
    free = np.zeros(len(vertices), dtype=bool)
    for step in range(MAX_STEPS + 1):
        if step:  # only the triangles round the smoothed vertices can have turned
            near = np.flatnonzero(free[candidates].any(axis=1))
            fold_weights[near] = _first_fold_weight(vertices, smoothed, candidates[near])
        folded = np.isfinite(fold_weights)
        unknown = np.flatnonzero(folded & (template_folds < 0))
        template_folds[unknown] = template_folds_of(candidates[unknown])
        own = np.flatnonzero(folded & (template_folds == 0))
        # Nor may it turn any triangle over at a lower weight than the key as made, where speech uses it more.
        if fewest is None or ((len(own), folded.sum()) < fewest and not np.any(fold_weights < made)):
            best, fewest = smoothed, (len(own), folded.sum())
        if len(own) == 0 or step == MAX_STEPS:
            break
        around = np.zeros(len(vertices), dtype=bool)
        around[candidates[own]] = True
        for _ in range(step // STEPS_PER_RING):  # the folds still left: smooth rings wider round them
            around |= (surface.neighbour_mean @ around.astype(np.float64)) > 0
        contacts.look_up(around)
        free = (free | around) & ~contacts.held
        if free.any():
            smoothed = _smoothing_step(smoothed, surface, np.flatnonzero(free))
    return best


class _Contacts:
    """The vertices a key at full weight brings within `contact` of another, to under half their distance at
    rest, from surfaces that faced each other at rest (normals opposed, as on lips or lids that meet: skin
    squeezed on one side faces one way; posed normals would not do, folds turn them over). Smoothing either
    would open the contact, so both are held. Only the vertices smoothing reaches are looked up."""

    def __init__(self, surface: _Surface, offsets: np.ndarray, moving: np.ndarray) -> None:
        self._surface = surface
        self._moving, self._is_moving = np.flatnonzero(moving), moving
        self._posed = surface.vertices + offsets
        self._tree = None
        self._looked = np.zeros(len(offsets), dtype=bool)
        self.held = np.zeros(len(offsets), dtype=bool)

    def look_up(self, reached: np.ndarray) -> None:
        """Marks in `held` both vertices of every contact of the reached vertices ((V,) bool)."""
        rows = np.flatnonzero(reached & ~self._looked)
        if len(rows) == 0:
            return
        self._looked[rows] = True
        if self._tree is None:
            self._tree = cKDTree(self._posed[self._moving])
        # Contacts with moving vertices where the key puts them, and with still ones (a lip pressed on a lip
        # the key leaves where it is).
        posed = self._posed[rows]
        near = [self._moving[np.asarray(found, dtype=np.int64)] for found in
                self._tree.query_ball_point(posed, self._surface.contact)]
        still = [np.asarray(found, dtype=np.int64) for found in
                 self._surface.rest_tree().query_ball_point(posed, self._surface.contact)]
        near = [np.concatenate([moving, found[~self._is_moving[found]]]) for moving, found in zip(near, still)]
        first = np.repeat(rows, [len(found) for found in near])
        second = np.concatenate(near)
        vertices, normals = self._surface.vertices, self._surface.normals
        gaps = np.linalg.norm(self._posed[first] - self._posed[second], axis=1)
        touching = ((2.0 * gaps < np.linalg.norm(vertices[first] - vertices[second], axis=1))
                    & (np.einsum("pd,pd->p", normals[first], normals[second]) < 0.0))
        self.held[first[touching]] = True
        self.held[second[touching]] = True


def _smoothing_step(offsets: np.ndarray, surface: _Surface, rows: np.ndarray) -> np.ndarray:
    """Half-way to the neighbours' mean at `rows`, measured from the affine motion that best fits those rows
    and their neighbours: a rotation of the jaw or a push of the lips is left whole, only its uneven part is
    smoothed (plain averaging on an uneven mesh would shrink the motion where it is large, and part the lips
    less). Fitted to the rows alone, a sliver's three nearly collinear corners set an affine motion that
    grew without bound off them: a lower lip's sliver on mouthPucker moved lip vertices 14% of the mouth
    width."""
    mean_of_rows = surface.neighbour_mean[rows]
    used = np.unique(np.concatenate([rows, mean_of_rows.indices]))
    lifted = np.column_stack([surface.vertices[used], np.ones(len(used))])
    affine, *_ = np.linalg.lstsq(lifted, offsets[used], rcond=None)
    uneven = np.zeros_like(offsets)
    uneven[used] = offsets[used] - lifted @ affine
    result = offsets.copy()
    result[rows] = offsets[rows] - 0.5 * uneven[rows] + 0.5 * (mean_of_rows @ uneven)
    return result


def _first_fold_weight(rest: np.ndarray, offsets: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(T,) the lowest weight in (0, 1] at which each triangle's normal has turned by a right angle (inf where
    it never does). At weight w the normal is n0 + w n1 + w² n2, so its dot with the rest normal n0 is the
    quadratic c + b w + a w², with c > 0 for a triangle of any area: its lowest root in (0, 1]."""
    corners, moves = rest[triangles], offsets[triangles]
    edge1, edge2 = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    move1, move2 = moves[:, 1] - moves[:, 0], moves[:, 2] - moves[:, 0]
    at_rest = np.cross(edge1, edge2)
    c = np.einsum("td,td->t", at_rest, at_rest)
    b = np.einsum("td,td->t", at_rest, np.cross(edge1, move2) + np.cross(move1, edge2))
    a = np.einsum("td,td->t", at_rest, np.cross(move1, move2))
    weight = np.full(len(triangles), np.inf)
    weight[c <= 0.0] = 0.0  # no area at rest: no way to face, counted as folded from the start
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(b * b - 4.0 * a * c)
        # The two roots written so neither loses its digits to cancellation (c > 0, so neither is 0).
        stable = -0.5 * (b + np.copysign(root, b))
        for candidate in (stable / a, c / stable):
            inside = (c > 0.0) & (candidate > 0.0) & (candidate <= 1.0) & (candidate < weight)
            weight[inside] = candidate[inside]
    return weight


def _neighbour_mean(triangles: np.ndarray, count: int) -> csr_matrix:
    """(V, V): row v averages v's neighbours along the surface's edges."""
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    edges = np.concatenate([edges, edges[:, ::-1]])
    adjacency = csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(count, count))
    adjacency.data[:] = 1.0  # an edge shared by two triangles counts once
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    return diags(1.0 / np.maximum(degree, 1.0)) @ adjacency
