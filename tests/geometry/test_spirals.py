"""Spirals start at their vertex, follow its rings outwards in rotational order, and have the length asked."""

import numpy as np
import pytest

from lipwright.geometry.spirals import spiral_indices, vertex_fans

from .hand_made_meshes import flat_grid, neighbours, octahedron


def test_an_octahedron_spiral_is_the_vertex_its_ring_in_order_then_the_opposite_pole():
    vertices, faces = octahedron()
    spirals = spiral_indices(vertices, faces, length=6)
    assert spirals.shape == (6, 6)
    for vertex in range(6):
        spiral = list(spirals[vertex])
        assert spiral[0] == vertex
        ring = spiral[1:5]
        assert set(ring) == neighbours(faces, vertex)
        # Rotational order: each ring member shares an edge with the next, all the way round.
        for a, b in zip(ring, ring[1:] + ring[:1]):
            assert b in neighbours(faces, a)
        opposite = {0: 5, 5: 0, 1: 3, 3: 1, 2: 4, 4: 2}[vertex]
        assert spiral[5] == opposite  # the only vertex of the second ring


def test_all_spirals_turn_the_same_way_round_their_vertex():
    vertices, faces = octahedron()
    for vertex, fan in enumerate(vertex_fans(faces, 6)):
        centre = vertices[vertex]
        normal = np.cross(vertices[fan[0]] - centre, vertices[fan[1]] - centre)
        assert np.dot(normal, centre) > 0  # counter-clockwise seen from outside, as the faces are


@pytest.mark.parametrize("vertex", [40, 0, 4, 30])
def test_grid_spirals_follow_the_rings_outwards(vertex):
    vertices, faces = flat_grid()
    spiral = list(spiral_indices(vertices, faces, length=12)[vertex])
    assert spiral[0] == vertex and len(spiral) == 12 and len(set(spiral)) == 12
    ring_of = ring_numbers(faces, vertex)
    rings = [ring_of[n] for n in spiral]
    assert rings == sorted(rings)  # ring by ring, outwards
    # Every ring but the last one reached is whole.
    assert {n for n, ring in ring_of.items() if ring < rings[-1]} <= set(spiral)


def ring_numbers(faces, start: int) -> dict[int, int]:
    """Each vertex's ring around `start` (0 for start itself), by breadth-first search."""
    ring_of, frontier = {start: 0}, [start]
    while frontier:
        reached = []
        for vertex in frontier:
            for neighbour in neighbours(faces, vertex) - ring_of.keys():
                ring_of[neighbour] = ring_of[vertex] + 1
                reached.append(neighbour)
        frontier = reached
    return ring_of


def test_dilation_keeps_every_other_entry_of_a_longer_spiral():
    vertices, faces = flat_grid()
    np.testing.assert_array_equal(spiral_indices(vertices, faces, length=5, dilation=2),
                                  spiral_indices(vertices, faces, length=10)[:, ::2])


def test_spirals_longer_than_the_rings_are_filled_with_the_nearest_vertices():
    vertices, faces = flat_grid(size=4)
    lone = len(vertices)  # a vertex no face uses: its spiral is all nearest neighbours
    vertices = np.vstack([vertices, [[1.2, 1.2, 0.0]]])
    spirals = spiral_indices(vertices, faces, length=4)
    assert spirals[lone, 0] == lone
    distances = np.linalg.norm(vertices[spirals[lone, 1:]] - vertices[lone], axis=1)
    assert list(spirals[lone, 1:]) == [15, 11, 14] and np.all(np.diff(distances) >= 0)
    octahedron_spirals = spiral_indices(*octahedron(), length=9)  # more than the mesh has
    assert octahedron_spirals.shape == (6, 9) and set(octahedron_spirals[0]) == set(range(6))
