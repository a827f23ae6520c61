"""Tells whether two meshes share a topology, so offsets made for one apply vertex for vertex to the other."""

from __future__ import annotations

import numpy as np

from .mesh import MeshData


def same_topology(a: MeshData, b: MeshData) -> bool:
    """Same vertex count and identical polygons (same corners in the same order)."""
    return (
        a.vertex_count == b.vertex_count
        and np.array_equal(np.asarray(a.face_sizes), np.asarray(b.face_sizes))
        and np.array_equal(np.asarray(a.faces_flat), np.asarray(b.faces_flat))
    )
