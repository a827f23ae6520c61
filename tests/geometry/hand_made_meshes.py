"""Small meshes made by hand for the geometry tests: a flat grid of triangles and an octahedron."""

import numpy as np


def flat_grid(size: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """(size*size, 3) vertices in the z=0 plane over the unit square, row by row; (F, 3) triangles,
    two per cell, counter-clockwise seen from +z."""
    xs, ys = np.meshgrid(np.linspace(0, 1, size), np.linspace(0, 1, size))
    vertices = np.stack([xs.ravel(), ys.ravel(), np.zeros(size * size)], axis=1)
    faces = []
    for row in range(size - 1):
        for column in range(size - 1):
            a = row * size + column
            faces += [[a, a + 1, a + size + 1], [a, a + size + 1, a + size]]
    return vertices, np.array(faces)


def octahedron() -> tuple[np.ndarray, np.ndarray]:
    """Vertex 0 on top, 1-4 around the equator, 5 below; outward-facing triangles."""
    vertices = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0], [0, 0, -1]], dtype=float)
    faces = [[0, 1, 2], [0, 2, 3], [0, 3, 4], [0, 4, 1], [5, 2, 1], [5, 3, 2], [5, 4, 3], [5, 1, 4]]
    return vertices, np.array(faces)


def neighbours(faces: np.ndarray, vertex: int) -> set[int]:
    return {int(n) for face in faces if vertex in face for n in face if n != vertex}
