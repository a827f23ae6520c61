"""The pyramid's sampling maps on a flat grid: rows are convex weights (sum to 1), and a linear field
is carried exactly wherever the sampled point lies on the other level's surface."""

import numpy as np
import pytest
import trimesh

from lipwright.geometry.mesh_pyramid import barycentric_map, build_pyramid

from .hand_made_meshes import flat_grid


def linear_field(points: np.ndarray) -> np.ndarray:
    return points @ np.array([1.0, -2.0, 3.0]) + 0.5


@pytest.fixture(scope="module")
def pyramid():
    vertices, faces = flat_grid(size=13)
    return build_pyramid(vertices, faces, factors=(4, 2))


def test_each_level_has_about_a_factor_fewer_vertices(pyramid):
    counts = [len(level.vertices) for level in pyramid.levels]
    assert counts[0] == 169 and 169 / 6 < counts[1] < 169 / 3 and counts[1] / 3 < counts[2] < counts[1] / 1.5
    for level in pyramid.levels:  # every vertex is used by a face
        assert set(np.unique(level.faces)) == set(range(len(level.vertices)))


def test_sampling_matrices_have_convex_rows_of_the_right_shape(pyramid):
    for i, (down, up) in enumerate(zip(pyramid.down, pyramid.up)):
        fine, coarse = (len(pyramid.levels[j].vertices) for j in (i, i + 1))
        assert down.matrix().shape == (coarse, fine) and up.matrix().shape == (fine, coarse)
        for sampling in (down.matrix(), up.matrix()):
            np.testing.assert_allclose(np.asarray(sampling.sum(axis=1)).ravel(), 1.0, atol=1e-12)
            assert sampling.min() >= 0 and sampling.getnnz(axis=1).max() <= 3


def test_down_sampling_carries_a_linear_field_exactly(pyramid):
    for i, down in enumerate(pyramid.down):
        fine, coarse = pyramid.levels[i], pyramid.levels[i + 1]
        np.testing.assert_allclose(down.matrix() @ linear_field(fine.vertices), linear_field(coarse.vertices),
                                   atol=1e-9)


def test_up_sampling_carries_a_linear_field_exactly_where_the_coarse_mesh_covers_the_vertex(pyramid):
    for i, up in enumerate(pyramid.up):
        fine, coarse = pyramid.levels[i], pyramid.levels[i + 1]
        _, distance, _ = trimesh.proximity.closest_point(trimesh.Trimesh(coarse.vertices, coarse.faces, process=False),
                                                         fine.vertices)
        covered = distance < 1e-9
        assert covered.mean() > 0.5
        error = np.abs(up.matrix() @ linear_field(coarse.vertices) - linear_field(fine.vertices))
        assert error[covered].max() < 1e-9
        assert error[~covered].max() < 0.5  # the rim the decimation pulled in: the nearest edge's value


def test_a_point_on_a_triangle_gets_its_barycentric_coordinates():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=float)
    sampled = barycentric_map(np.array([[0.2, 0.3, 0.0], [0.2, 0.3, 5.0]]), vertices, np.array([[0, 1, 2]]))
    np.testing.assert_allclose(sampled.matrix().toarray(), [[0.5, 0.2, 0.3], [0.5, 0.2, 0.3]], atol=1e-12)


def test_a_mesh_too_small_to_decimate_is_refused_by_name():
    vertices, faces = flat_grid(size=3)
    with pytest.raises(ValueError, match="cannot be decimated"):
        build_pyramid(vertices, faces, factors=(4, 4, 4))
