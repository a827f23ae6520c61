"""Spiral neighbourhoods of a triangle mesh (SpiralNet++): for each vertex, the vertex itself, then
its rings of neighbours in a fixed rotational order, cut to one length, so a convolution can gather
a fixed-size, ordered neighbourhood per vertex. Where the rings run out (a small or open piece of
mesh), the spiral is filled with the nearest vertices by distance, as SpiralNet++ does."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def vertex_fans(faces: np.ndarray, vertex_count: int) -> list[list[int]]:
    """Each vertex's neighbours in rotational order around it (following the faces' orientation;
    on a boundary, starting at the neighbour that begins the open fan)."""
    following: list[dict[int, int]] = [dict() for _ in range(vertex_count)]
    neighbours: list[set[int]] = [set() for _ in range(vertex_count)]
    for a, b, c in np.asarray(faces, dtype=np.int64).tolist():
        for centre, first, second in ((a, b, c), (b, c, a), (c, a, b)):
            following[centre].setdefault(first, second)
            neighbours[centre].update((first, second))
    fans = []
    for successor, around in zip(following, neighbours):
        remaining = dict(successor)
        # Open fans start where no face leads in; closed ones at their smallest neighbour.
        targets = set(successor.values())
        starts = sorted(n for n in successor if n not in targets) or sorted(successor)
        fan: list[int] = []
        while remaining:
            start = next((s for s in starts if s in remaining), min(remaining))
            current = start
            while current in remaining:
                fan.append(current)
                current = remaining.pop(current)
            if current not in fan and current not in remaining:
                fan.append(current)  # the last neighbour of an open fan leads nowhere
        seen: set[int] = set()
        fan = [n for n in fan if not (n in seen or seen.add(n))]
        fans.append(fan + sorted(around - seen))  # faces of inconsistent orientation
    return fans


def spiral_indices(vertices: np.ndarray, faces: np.ndarray, length: int, dilation: int = 1) -> np.ndarray:
    """vertices: (V, 3); faces: (F, 3) triangles -> (V, length) int64 vertex indices: each row starts
    at its vertex and follows its rings outwards (each ring in the order of the vertices of the ring
    before it, each of those in rotational order); `length * dilation` entries are gathered and every
    `dilation`-th kept. Rows whose rings run out are filled with the nearest remaining vertices."""
    if length < 1 or dilation < 1:
        raise ValueError(f"a spiral needs a length and dilation of at least 1, not {length} and {dilation}")
    vertices = np.asarray(vertices, dtype=np.float64)
    count = len(vertices)
    fans = vertex_fans(faces, count)
    wanted = length * dilation
    tree = None
    spirals = np.empty((count, length), dtype=np.int64)
    for vertex in range(count):
        spiral = [vertex]
        seen = {vertex}
        ring = [vertex]
        while len(spiral) < wanted and ring:
            next_ring = []
            for member in ring:
                for neighbour in fans[member]:
                    if neighbour not in seen:
                        seen.add(neighbour)
                        next_ring.append(neighbour)
            spiral += next_ring
            ring = next_ring
        if len(spiral) < wanted:
            tree = tree or cKDTree(vertices)
            _, nearest = tree.query(vertices[vertex], k=min(count, wanted + len(spiral)))
            spiral += [int(n) for n in np.atleast_1d(nearest) if int(n) not in seen]
            spiral += [spiral[-1]] * (wanted - len(spiral))  # a mesh with fewer vertices than a spiral
        spirals[vertex] = spiral[:wanted:dilation]
    return spirals
