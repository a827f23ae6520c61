"""Writes the head as a plain OBJ and as the npz the server sends to the Blender add-on."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..files.atomic import write_bytes_atomically, write_text_atomically
from ..geometry.mesh import MeshData
from .head_template import HeadTemplate


def write_obj(mesh: MeshData, path: str | Path, object_name: str = "LipwrightHead") -> None:
    """Vertices and polygons only: OBJ has no shape keys, so the targets are not written."""
    text = io.StringIO()
    text.write(f"# Lipwright default head (CC0 MakeHuman). Metres, Z up.\no {object_name}\n")
    np.savetxt(text, np.asarray(mesh.vertices, dtype=np.float64), fmt="v %.6f %.6f %.6f")
    corners = np.asarray(mesh.faces_flat, dtype=np.int64) + 1
    sizes = np.asarray(mesh.face_sizes, dtype=np.int64)
    # Polygons of one size at a time, so each group is one savetxt call; OBJ allows any face order.
    starts = np.cumsum(sizes) - sizes
    for size in np.unique(sizes):
        loops = starts[sizes == size][:, None] + np.arange(size)
        np.savetxt(text, corners[loops], fmt="f" + " %d" * int(size))
    write_text_atomically(path, text.getvalue())


def template_arrays(template: HeadTemplate) -> dict[str, np.ndarray]:
    """The add-on's view of the head: vertices, faces_flat, face_sizes, targets, target_names,
    landmark_names, landmark_index (aligned with landmark_names)."""
    landmark_names = tuple(template.landmark_index)
    return {
        "vertices": np.asarray(template.mesh.vertices, dtype=np.float32),
        "faces_flat": np.asarray(template.mesh.faces_flat, dtype=np.int32),
        "face_sizes": np.asarray(template.mesh.face_sizes, dtype=np.int32),
        "targets": np.asarray(template.targets, dtype=np.float32),
        "target_names": np.array(template.target_names, dtype=str),
        "landmark_names": np.array(landmark_names, dtype=str),
        "landmark_index": np.array([template.landmark_index[n] for n in landmark_names], dtype=np.int32),
    }


def template_npz_bytes(template: HeadTemplate) -> bytes:
    """An npz (no pickles) with the keys of `template_arrays`."""
    buffer = io.BytesIO()
    np.savez(buffer, **template_arrays(template))
    return buffer.getvalue()


def write_template_npz(template: HeadTemplate, path: str | Path) -> None:
    write_bytes_atomically(path, template_npz_bytes(template))
