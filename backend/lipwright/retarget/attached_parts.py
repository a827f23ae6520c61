"""Gives a character's separate teeth, tongue and eye meshes the 52 ARKit keys: each moves rigidly, as its part of the fitted default head does.

The lower teeth and the tongue follow the jaw (jawOpen, jawLeft ...; the tongue also pokes out for tongueOut), the upper
teeth stay with the skull, and the eyes turn about their own centres for the eyeLook keys. Each key's motion
is the rigid transform that best carries the fitted template's part from rest to posed (Kabsch), so it
holds the hinge where the fit put the character's jaw, and it moves any mesh, whatever its topology.

One separate mesh may hold several parts (an export's one teeth mesh holds the upper and the lower teeth,
one eye mesh both eyes with their corneas): `attached_mesh_targets` gives each connected piece to the fitted
part it lies nearest, and moves each part's pieces together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MeshError
from ..geometry.mesh import MeshData
from ..template import load_default_head
from ..template.head_template import HeadTemplate
from .prepare import PreparedCharacter

ATTACHED_PARTS = ("upper_teeth", "lower_teeth", "tongue", "eye_left", "eye_right")
_EYES = ("eye_left", "eye_right")
# A part mesh whose centre lies farther than this (mouth widths) from the fitted part is another object.
MAX_PART_OFFSET_WIDTHS = 1.5
# A part the key moves by less than this share of the mouth width does not move for it at all.
_STILL_SHARE = 1e-6
# A piece whose vertices lie farther than this (mouth widths, on average) from every fitted part belongs to
# none (eyelashes, a gum shell around the whole mouth): it stays still.
MAX_PIECE_GAP_WIDTHS = 0.5


@dataclass(frozen=True)
class AttachedMesh:
    """targets: (52, V, 3) float32 offsets of the mesh's vertices; parts: the parts found in it (ATTACHED_PARTS
    names, in that order); still_vertices: how many belong to no part and stay still."""

    targets: np.ndarray
    parts: tuple[str, ...]
    still_vertices: int


@dataclass(frozen=True)
class PartMotion:
    """Rigid motion of a part for each of the 52 keys at weight 1, in the character's space: a point x goes to
    x @ rotations[k].T + translations[k]. rotations: (52, 3, 3) proper; translations: (52, 3)."""

    rotations: np.ndarray
    translations: np.ndarray

    def offsets(self, vertices: np.ndarray) -> np.ndarray:
        """(V, 3) rest positions -> (52, V, 3) float32 shape-key offsets."""
        vertices = np.asarray(vertices, dtype=np.float64)
        moved = np.einsum("kij,vj->kvi", self.rotations, vertices) + self.translations[:, None]
        return (moved - vertices[None]).astype(np.float32)


def attached_part_targets(prepared: PreparedCharacter, vertices: np.ndarray, part: str,
                          template: HeadTemplate | None = None) -> np.ndarray:
    """vertices: (V, 3) the Basis of the character's separate mesh for `part` (ATTACHED_PARTS), in the same
    space as the prepared face. Returns (52, V, 3) float32 offsets in prepared.target_names order. For the eyes,
    whichever fitted eye lies nearer the mesh is used (a mirrored export swaps left and right). Raises MeshError
    for an unknown part or a mesh that is not where the fit put that part."""
    template = template or load_default_head()
    vertices = np.asarray(vertices, dtype=np.float64)
    if vertices.ndim != 2 or vertices.shape[1] != 3 or len(vertices) == 0 or not np.isfinite(vertices).all():
        raise MeshError(f"The {_spoken(part)} mesh's vertices have shape {vertices.shape} or are not finite: "
                        "send its Basis as V rows of x y z.")
    if part not in ATTACHED_PARTS:
        raise MeshError(f"Unknown attached part {part!r}: choose from {list(ATTACHED_PARTS)}.")
    part = _nearest_eye(prepared, template, vertices) if part in _EYES else part
    _check_placement(prepared, template, vertices, part)
    motion = part_motion(prepared, part, template)
    if part == "tongue":
        motion = _riding_the_jaw(motion, part_motion(prepared, "lower_teeth", template))
    if part in _EYES:
        motion = _about_centre(motion, _sphere_centre(vertices))
    return motion.offsets(vertices)


def attached_mesh_targets(prepared: PreparedCharacter, mesh: MeshData, name: str = "the separate mesh",
                          template: HeadTemplate | None = None) -> AttachedMesh:
    """mesh: a separate mesh (its Basis, in the prepared face's space) holding any of the teeth, tongue and eyes.
    Raises MeshError naming `name` when no piece of it lies near any of them."""
    template = template or load_default_head()
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    pieces = _connected_pieces(mesh)
    gaps = _mean_gaps_to_parts(prepared, template, vertices, pieces) / _mouth_width(prepared, template)
    nearest = gaps.argmin(axis=1)
    owner = np.where(gaps.min(axis=1) <= MAX_PIECE_GAP_WIDTHS, nearest, -1)[pieces]  # per vertex; -1: none
    if (owner < 0).all():
        raise MeshError(f"No piece of {name} lies where the fit puts the teeth, tongue or eyes (the nearest is "
                        f"{gaps.min():.1f} mouth widths away): give only the character's teeth, tongue and eye "
                        "meshes as its parts, in place on the face, or check the face's landmarks and fit again.")
    targets = np.zeros((len(template.target_names), len(vertices), 3), dtype=np.float32)
    found = []
    for index, part in enumerate(ATTACHED_PARTS):
        chosen = np.flatnonzero(owner == index)
        if len(chosen):
            targets[:, chosen] = attached_part_targets(prepared, vertices[chosen], part, template)
            found.append(part)
    return AttachedMesh(targets=targets, parts=tuple(found), still_vertices=int((owner < 0).sum()))


def _connected_pieces(mesh: MeshData) -> np.ndarray:
    """(V,) the connected piece each vertex belongs to (a loose vertex is a piece of its own)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    count = mesh.vertex_count
    loops = np.asarray(mesh.faces_flat, dtype=np.int64)
    sizes = np.asarray(mesh.face_sizes, dtype=np.int64)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    following = np.arange(len(loops)) + 1
    following = np.where(following - starts >= np.repeat(sizes, sizes), starts, following)  # wraps to the first
    graph = coo_matrix((np.ones(len(loops)), (loops, loops[following] if len(loops) else loops)), shape=(count, count))
    return connected_components(graph, directed=False)[1]


def _mean_gaps_to_parts(prepared: PreparedCharacter, template: HeadTemplate, vertices: np.ndarray,
                        pieces: np.ndarray) -> np.ndarray:
    """(pieces, parts): each piece's mean distance from its vertices to the nearest vertex of each fitted part."""
    from scipy.spatial import cKDTree

    fitted = np.asarray(prepared.fitted_template, dtype=np.float64)
    sizes = np.bincount(pieces)
    gaps = np.empty((len(sizes), len(ATTACHED_PARTS)))
    for column, part in enumerate(ATTACHED_PARTS):
        distance = cKDTree(fitted[template.parts[part]]).query(vertices)[0]
        gaps[:, column] = np.bincount(pieces, weights=distance, minlength=len(sizes)) / np.maximum(sizes, 1)
    return gaps


def part_motion(prepared: PreparedCharacter, part: str, template: HeadTemplate | None = None) -> PartMotion:
    """The rigid motion of the fitted template's `part` for each key, in the character's space."""
    template = template or load_default_head()
    index = template.parts[part]
    rest = np.asarray(template.mesh.vertices, dtype=np.float64)[index]
    fitted = np.asarray(prepared.fitted_template, dtype=np.float64)[index]
    # The fit's local map at the part (similarity and warp together) carries the template's offsets over.
    linear = _affine_linear(rest, fitted)
    offsets = np.asarray(template.targets, dtype=np.float64)[:, index] @ linear.T
    still = np.abs(offsets).max(axis=(1, 2)) <= _STILL_SHARE * _mouth_width(prepared, template)
    rotations = np.broadcast_to(np.eye(3), (len(offsets), 3, 3)).copy()
    translations = np.zeros((len(offsets), 3))
    for key in np.flatnonzero(~still):
        rotations[key], translations[key] = _rigid_fit(fitted, fitted + offsets[key])
    return PartMotion(rotations=rotations, translations=translations)


def _riding_the_jaw(own: PartMotion, jaw: PartMotion) -> PartMotion:
    """The tongue: the jaw's motion for every key that moves the jaw (the head's tongue bends as it opens, and
    a rigid fit of that bend would tilt it), its own for the keys that move only it (tongueOut)."""
    jaw_moves = ~(np.all(jaw.rotations == np.eye(3), axis=(1, 2)) & np.all(jaw.translations == 0.0, axis=1))
    return PartMotion(rotations=np.where(jaw_moves[:, None, None], jaw.rotations, own.rotations),
                      translations=np.where(jaw_moves[:, None], jaw.translations, own.translations))


def _rigid_fit(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation R (proper) and translation t minimising |source @ R.T + t - target| (Kabsch)."""
    source_centre, target_centre = source.mean(axis=0), target.mean(axis=0)
    u, _, vt = np.linalg.svd((source - source_centre).T @ (target - target_centre))
    turn = np.diag([1.0, 1.0, np.sign(np.linalg.det(vt.T @ u.T))])
    rotation = vt.T @ turn @ u.T
    return rotation, target_centre - source_centre @ rotation.T


def _affine_linear(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The linear part A of the affine map x -> A x + b that best takes source (n, 3) to target (n, 3)."""
    homogeneous = np.column_stack([source, np.ones(len(source))])
    solution = np.linalg.lstsq(homogeneous, target, rcond=None)[0]
    return solution[:3].T


def _about_centre(motion: PartMotion, centre: np.ndarray) -> PartMotion:
    """The same rotations, each turning about `centre` (an eye turns in place, whatever its size)."""
    return PartMotion(rotations=motion.rotations,
                      translations=centre[None] - np.einsum("kij,j->ki", motion.rotations, centre))


def _sphere_centre(points: np.ndarray) -> np.ndarray:
    """Least-squares sphere centre of an eyeball's points (its centroid when they do not describe a sphere)."""
    centroid = points.mean(axis=0)
    if len(points) < 4:
        return centroid
    system = np.column_stack([2.0 * (points - centroid), np.ones(len(points))])
    solution, _, rank, _ = np.linalg.lstsq(system, np.sum((points - centroid) ** 2, axis=1), rcond=None)
    centre = centroid + solution[:3]
    extent = float(np.ptp(points, axis=0).max())
    # A flat or scattered set (a cornea alone, a stray vertex) gives a centre far off: keep the centroid then.
    return centre if rank == 4 and np.linalg.norm(centre - centroid) < extent else centroid


def _nearest_eye(prepared: PreparedCharacter, template: HeadTemplate, vertices: np.ndarray) -> str:
    centre = vertices.mean(axis=0)
    fitted = np.asarray(prepared.fitted_template, dtype=np.float64)
    return min(_EYES, key=lambda eye: np.linalg.norm(fitted[template.parts[eye]].mean(axis=0) - centre))


def _check_placement(prepared: PreparedCharacter, template: HeadTemplate, vertices: np.ndarray, part: str) -> None:
    fitted = np.asarray(prepared.fitted_template, dtype=np.float64)[template.parts[part]]
    gap = np.linalg.norm(vertices.mean(axis=0) - fitted.mean(axis=0)) / _mouth_width(prepared, template)
    if gap > MAX_PART_OFFSET_WIDTHS:
        raise MeshError(f"The mesh given as the {_spoken(part)} lies {gap:.1f} mouth widths from where the fit "
                        f"puts the {_spoken(part)}: pick the character's own {_spoken(part)} mesh (in the same "
                        "space as the face), or check the face's landmarks and fit again.")


def _mouth_width(prepared: PreparedCharacter, template: HeadTemplate) -> float:
    fitted = np.asarray(prepared.fitted_template, dtype=np.float64)
    corners = [template.landmark_index["mouth_corner_left"], template.landmark_index["mouth_corner_right"]]
    return float(np.linalg.norm(fitted[corners[0]] - fitted[corners[1]]))


def _spoken(part: str) -> str:
    return {"eye_left": "eye", "eye_right": "eye"}.get(part, part.replace("_", " "))
