"""Similarity fits and placing a template on a user's mesh."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from lipwright.errors import MeshError
from lipwright.geometry import MeshData, fit_similarity, place_on_mesh, same_topology

random = np.random.default_rng(7)


def random_similarity(mirror: bool):
    rotation = Rotation.random(random_state=3).as_matrix()
    if mirror:
        rotation = rotation @ np.diag([-1.0, 1.0, 1.0])  # e.g. a mesh with scale x = -1 applied
    return 0.37, rotation, np.array([1.5, -2.0, 0.25])


@pytest.mark.parametrize("mirror", [False, True])
def test_recovers_a_random_similarity(mirror):
    scale, rotation, translation = random_similarity(mirror)
    source = random.normal(size=(200, 3))
    target = scale * source @ rotation.T + translation
    fit = fit_similarity(source, target)
    assert fit.scale == pytest.approx(scale)
    assert np.allclose(fit.rotation, rotation, atol=1e-9)
    assert np.allclose(fit.translation, translation, atol=1e-9)
    assert fit.is_reflection == mirror and fit.rms_error < 1e-9
    assert np.allclose(fit.map_points(source), target, atol=1e-9)
    assert np.allclose(fit.inverse().map_points(target), source, atol=1e-9)


def test_offsets_get_scale_and_rotation_but_no_translation():
    scale, rotation, translation = random_similarity(mirror=True)
    source = random.normal(size=(50, 3))
    fit = fit_similarity(source, scale * source @ rotation.T + translation)
    offsets = random.normal(size=(4, 50, 3)).astype(np.float32)  # (frames, vertices, 3)
    mapped = fit.map_offsets(offsets)
    assert mapped.shape == offsets.shape and mapped.dtype == np.float32
    assert np.allclose(mapped, scale * offsets @ rotation.T, atol=1e-5)
    # Moving a point then mapping equals mapping then adding the mapped offset.
    assert np.allclose(fit.map_points(source + offsets[0]), fit.map_points(source) + mapped[0], atol=1e-5)


def test_noisy_fit_reports_its_error():
    source = random.normal(size=(500, 3))
    target = 2.0 * source + random.normal(scale=0.01, size=source.shape)
    fit = fit_similarity(source, target)
    assert fit.scale == pytest.approx(2.0, rel=1e-2) and 0.005 < fit.rms_error < 0.03


def test_degenerate_or_mismatched_points_are_mesh_errors():
    with pytest.raises(MeshError, match="all coincide"):
        fit_similarity(np.ones((5, 3)), random.normal(size=(5, 3)))
    with pytest.raises(MeshError, match=r"shapes \(5, 3\) and \(4, 3\)"):
        fit_similarity(np.ones((5, 3)), np.ones((4, 3)))


def cube_mesh(vertices):
    faces = np.array([0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 5, 4, 2, 3, 7, 6, 0, 3, 7, 4, 1, 2, 6, 5], dtype=np.int32)
    return MeshData(vertices=np.asarray(vertices, dtype=np.float32), faces_flat=faces,
                    face_sizes=np.full(6, 4, dtype=np.int32))


CUBE = np.array([[x, y, z] for z in (0, 1) for y, x in ((0, 0), (0, 1), (1, 1), (1, 0))], dtype=np.float64)


def test_place_on_a_scaled_mirrored_copy():
    template = cube_mesh(CUBE)
    user = cube_mesh(CUBE * np.array([-0.01, 0.01, 0.01]) + 3.0)  # centimetres, mirrored in x, moved
    fit = place_on_mesh(template, user)
    assert fit.scale == pytest.approx(0.01, rel=1e-5) and fit.is_reflection
    assert np.allclose(fit.map_points(CUBE), user.vertices, atol=1e-5)
    assert same_topology(template, user)


def test_another_mesh_is_told_to_use_its_shape_keys():
    template = cube_mesh(CUBE)
    other = MeshData(vertices=np.zeros((5, 3), np.float32), faces_flat=np.array([0, 1, 2], np.int32),
                     face_sizes=np.array([3], np.int32))
    with pytest.raises(MeshError, match=r"The mesh has 5 vertices but the phonemes template has 8, so the model's "
                                        r"vertex motion cannot be carried over to it\. Give the face shape keys") as caught:
        place_on_mesh(template, other, model_name="phonemes")
    assert "topolog" not in str(caught.value) and "(Add Lipwright head)" in str(caught.value)
    with pytest.raises(MeshError, match="has 5 vertices but the default template has 8"):
        place_on_mesh(CUBE, other)
    shuffled = cube_mesh(CUBE)
    shuffled = MeshData(shuffled.vertices, shuffled.faces_flat[::-1].copy(), shuffled.face_sizes)
    assert not same_topology(template, shuffled)
    with pytest.raises(MeshError, match="different polygons"):
        place_on_mesh(template, shuffled)
