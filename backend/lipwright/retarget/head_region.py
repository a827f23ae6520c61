"""Finds the head of a full-body character (a standing figure, any rotation), so only the head is oriented and searched for a face.

A standing figure is mirror-symmetric and, within its mirror plane, much longer from head to feet than from
front to back; its head is the top of that long axis. Which end is the top is decided by which end's front
view looks more like the default head's."""

from __future__ import annotations

import numpy as np

from ..geometry.mesh import MeshData
from .orientation import find_orientation, surface_samples, symmetry_plane
from .render import triangulate

# Longer than this many times its depth (within the mirror plane): a figure, not a head or a bust.
FIGURE_ASPECT = 2.5
# The head and neck of a standing adult take about this share of its height; a stylised figure's big head
# is cut at its neck, which the face search does not need.
HEAD_SHARE = 0.17
# How far from the mirror plane the head reaches, as a share of the height (keeps out arms held out sideways).
HEAD_HALF_WIDTH_SHARE = 0.06
_SAMPLES = 20_000
_SYMMETRY_SAMPLES = 8000


def head_region(mesh: MeshData) -> np.ndarray | None:
    """Indices of the vertices of a standing figure's head and neck, or None when the mesh is no figure (a
    head or a bust, to be used whole)."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    triangles = triangulate(mesh)
    samples = surface_samples(vertices, triangles, _SAMPLES)
    normal, point, _ = symmetry_plane(samples[:_SYMMETRY_SAMPLES])
    in_plane = samples - point
    in_plane -= np.outer(in_plane @ normal, normal)
    axes = np.linalg.svd(in_plane - in_plane.mean(axis=0), full_matrices=False)[2]
    length_axis, depth_axis = axes[0], axes[1]
    length, depth = np.ptp(in_plane @ length_axis), np.ptp(in_plane @ depth_axis)
    if length < FIGURE_ASPECT * depth:
        return None
    sideways = np.abs((vertices - point) @ normal) < HEAD_HALF_WIDTH_SHARE * length
    best = None
    for sign in (1.0, -1.0):
        along = sign * ((vertices - point) @ length_axis)
        top = float(np.max(sign * (samples - point) @ length_axis))
        region = np.flatnonzero(sideways & (along > top - HEAD_SHARE * length))
        piece = vertex_submesh(mesh, region)
        if piece is None:
            continue
        likeness = find_orientation(piece, count=1)[0].likeness
        if best is None or likeness < best[0]:
            best = (likeness, region)
    return None if best is None else best[1]


def vertex_submesh(mesh: MeshData, region: np.ndarray) -> MeshData | None:
    """The triangles of `mesh` whose corners all lie in `region` (vertex indices), on those vertices only,
    at the same coordinates; None when fewer than four triangles are left."""
    triangles = triangulate(mesh)
    inside = np.zeros(mesh.vertex_count, dtype=bool)
    inside[region] = True
    kept = triangles[inside[triangles].all(axis=1)]
    if len(kept) < 4:
        return None
    used = np.unique(kept)
    index = np.full(mesh.vertex_count, -1, dtype=np.int64)
    index[used] = np.arange(len(used))
    return MeshData(vertices=np.asarray(mesh.vertices, dtype=np.float32)[used],
                    faces_flat=index[kept].reshape(-1).astype(np.int32),
                    face_sizes=np.full(len(kept), 3, dtype=np.int32))
