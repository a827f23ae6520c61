"""Reads the vertices and polygons of a Wavefront OBJ file with numpy (texture and normal indices are ignored)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .mesh import MeshData

_AFTER_SLASH = re.compile(r"/\S*")


def read_obj(path: str | Path) -> MeshData:
    """All `v` and `f` records of an OBJ file; polygons are kept as they are (quads stay quads)."""
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    vertex_text = " ".join(line[2:] for line in lines if line.startswith("v "))
    face_lines = [line[2:].split() for line in lines if line.startswith("f ")]
    vertices = np.array(vertex_text.split(), dtype=np.float64)
    # A `v` record may carry a colour after x y z; keep the first three numbers of each.
    vertex_lines = sum(1 for line in lines if line.startswith("v "))
    vertices = vertices.reshape(vertex_lines, -1)[:, :3]
    face_sizes = np.array([len(corners) for corners in face_lines], dtype=np.int32)
    corner_text = _AFTER_SLASH.sub("", " ".join(" ".join(corners) for corners in face_lines))
    faces_flat = np.array(corner_text.split(), dtype=np.int64)
    # OBJ counts from 1; negative indices count back from the end (exact when all `v` precede the `f`).
    faces_flat = np.where(faces_flat > 0, faces_flat - 1, faces_flat + vertex_lines).astype(np.int32)
    return MeshData(vertices=vertices.astype(np.float32), faces_flat=faces_flat, face_sizes=face_sizes)
