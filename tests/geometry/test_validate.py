"""validate_mesh: what a bad mesh from a user gets told."""

import numpy as np
import pytest

from lipwright.errors import MeshError
from lipwright.geometry import MeshData, validate_mesh

SQUARE = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=np.float64)
QUAD = np.array([0, 1, 2, 3])
ONE_QUAD = np.array([4])


def test_a_good_mesh_comes_back_as_compact_arrays():
    mesh = validate_mesh(SQUARE.tolist(), [0, 1, 2, 0, 2, 3], [3, 3])
    assert isinstance(mesh, MeshData)
    assert mesh.vertices.dtype == np.float32 and mesh.vertices.shape == (4, 3)
    assert mesh.faces_flat.dtype == np.int32 and mesh.face_sizes.dtype == np.int32


def vertices_with(row, value):
    bad = SQUARE.copy()
    bad[row, 1] = value
    return bad


@pytest.mark.parametrize("vertices, faces_flat, face_sizes, message", [
    (np.zeros((0, 3)), QUAD, ONE_QUAD, r"no vertices: pick a mesh object that has geometry"),
    ([], QUAD, ONE_QUAD, r"no vertices"),
    (np.zeros((4, 2)), QUAD, ONE_QUAD, r"shape \(V, 3\).*got shape \(4, 2\)"),
    (np.zeros(12), QUAD, ONE_QUAD, r"shape \(V, 3\).*got shape \(12,\)"),
    (SQUARE.astype(str), QUAD, ONE_QUAD, r"must be real numbers, not <U"),
    (SQUARE.astype(complex), QUAD, ONE_QUAD, r"must be real numbers, not complex"),
    (vertices_with(2, np.nan), QUAD, ONE_QUAD, r"1 vertices with NaN or infinite coordinates \(first: vertex 2\)"),
    (vertices_with(1, np.inf), QUAD, ONE_QUAD, r"NaN or infinite.*Clean Up"),
    (vertices_with(3, 2e5), QUAD, ONE_QUAD, r"as large as 2e\+05 units.*apply a sensible scale"),
    (SQUARE, [], [], r"no faces \(only loose vertices or edges\)"),
    (SQUARE, QUAD, [], r"no faces"),
    (SQUARE, QUAD.reshape(2, 2), ONE_QUAD, r"faces_flat must be a flat \(1-D\) array"),
    (SQUARE, QUAD.astype(float), ONE_QUAD, r"faces_flat must be integers.*not float64"),
    (SQUARE, QUAD, np.array([4.0]), r"face_sizes must be integers"),
    (SQUARE, [0, 1, 2, 3], [2, 2], r"2 faces have fewer than 3 corners \(first: face 0 with 2\)"),
    (SQUARE, [0, 1, 2, 3], [3], r"add up to 3 corners but 4 corner indices"),
    (SQUARE, [0, 1, 2, 3], [3, 3], r"add up to 6 corners but 4"),
    (SQUARE, [0, 1, 2, 4], ONE_QUAD, r"1 face corners point at vertices that do not exist \(first: index 4, the mesh has 4"),
    (SQUARE, [0, 1, 2, -1], ONE_QUAD, r"first: index -1"),
])
def test_each_bad_mesh_is_named(vertices, faces_flat, face_sizes, message):
    with pytest.raises(MeshError, match=message):
        validate_mesh(vertices, faces_flat, face_sizes)


def test_too_many_vertices_names_the_limit_and_the_fix():
    vertices = np.zeros((1_001, 3))
    with pytest.raises(MeshError, match=r"1,001 vertices, more than the limit of 1,000: decimate"):
        validate_mesh(vertices, QUAD, ONE_QUAD, max_vertices=1_000)


def test_ragged_input_is_a_mesh_error():
    with pytest.raises(MeshError, match=r"not a regular array"):
        validate_mesh([[0, 0, 0], [1, 0]], QUAD, ONE_QUAD)
