"""Cuts the head, neck, teeth, tongue and eyes out of the MakeHuman base mesh and moves them to metres, Blender Z-up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.mesh import MeshData

DECIMETRES_TO_METRES = 0.1
# Meshes of the mouth and eyes kept beside the skin. Cages (tights, skirt, hair), the eyelash
# strips and the joint cubes are fitting helpers for MakeHuman, not parts of a face.
KEPT_HELPERS: dict[str, str] = {
    "upper_teeth": "helper-upper-teeth",
    "lower_teeth": "helper-lower-teeth",
    "tongue": "helper-tongue",
    "eye_left": "helper-l-eye",
    "eye_right": "helper-r-eye",
}
NECK_JOINT = "joint-neck"
# The neck joint sits where the neck meets the shoulders; a centimetre lower keeps the whole
# neck and none of the trapezius, so the cut is a clean ring.
CUT_BELOW_NECK_JOINT_DM = 0.1


@dataclass(frozen=True)
class HeadCut:
    """The cut mesh and how it maps back: source_index[i] is base.obj's index of head vertex i."""

    mesh: MeshData
    source_index: np.ndarray
    parts: dict[str, np.ndarray]


def yup_decimetres_to_blender(points: np.ndarray) -> np.ndarray:
    """(x, y, z) Y-up decimetres -> (x, -z, y) Z-up metres: the face, which looks to +Z, then looks to -Y."""
    points = np.asarray(points, dtype=np.float64)
    return np.stack([points[..., 0], -points[..., 2], points[..., 1]], axis=-1) * DECIMETRES_TO_METRES


def cut_head(base: MeshData, groups: dict[str, np.ndarray]) -> HeadCut:
    """Keeps body vertices above the neck cut plus the kept helpers, and only faces whose corners are all kept.

    The result is in metres, Z-up, facing -Y, with the neck's cut ring at z = 0 and the midline at x = 0."""
    source = np.asarray(base.vertices, dtype=np.float64)
    cut_height = source[groups[NECK_JOINT], 1].mean() - CUT_BELOW_NECK_JOINT_DM
    body = groups["body"]
    wanted = np.zeros(len(source), dtype=bool)
    wanted[body[source[body, 1] > cut_height]] = True
    for group in KEPT_HELPERS.values():
        wanted[groups[group]] = True

    face_starts = np.concatenate([[0], np.cumsum(base.face_sizes)[:-1]])
    face_kept = np.minimum.reduceat(wanted[base.faces_flat].astype(np.int8), face_starts).astype(bool)
    loop_kept = np.repeat(face_kept, base.face_sizes)
    kept_loops = base.faces_flat[loop_kept]

    # Vertices that no kept face uses (the ring just above the cut's dropped faces) go too.
    source_index = np.unique(kept_loops)
    new_index = np.full(len(source), -1, dtype=np.int64)
    new_index[source_index] = np.arange(len(source_index))

    vertices = yup_decimetres_to_blender(source[source_index])
    vertices[:, 2] -= cut_height * DECIMETRES_TO_METRES
    mesh = MeshData(
        vertices=vertices.astype(np.float32),
        faces_flat=new_index[kept_loops].astype(np.int32),
        face_sizes=base.face_sizes[face_kept].astype(np.int32),
    )
    parts = {"skin": _reindex(body, new_index)}
    parts.update({name: _reindex(groups[group], new_index) for name, group in KEPT_HELPERS.items()})
    return HeadCut(mesh=mesh, source_index=source_index, parts=parts)


def cut_targets(targets: np.ndarray, source_index: np.ndarray) -> np.ndarray:
    """(units, base vertices, 3) Y-up decimetre offsets -> (units, head vertices, 3) float32 Z-up metres."""
    return yup_decimetres_to_blender(targets[:, source_index]).astype(np.float32)


def _reindex(source_vertices: np.ndarray, new_index: np.ndarray) -> np.ndarray:
    mapped = new_index[source_vertices]
    return np.sort(mapped[mapped >= 0]).astype(np.int32)
