"""Truth by construction: the default head remeshed (4x more and 2x fewer vertices), rotated, mirrored and
scaled, prepared, and driven by a spoken line, moves as the head's own motion sampled at its surface."""

import numpy as np
import pytest

from lipwright.retarget.prepare import prepare_character
from lipwright.retarget.template_regions import template_regions
from lipwright.retarget.transfer import transfer_offsets
from tests.retarget.constructions import decimated_skin, placed, skin_without_inner_mouth, subdivided_skin

LIP_LANDMARKS = ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")


@pytest.fixture(scope="module", params=["subdivided-rotated-scaled", "decimated-mirrored-rotated-scaled",
                                        "no-inner-mouth-rotated"])
def character(request, head):
    if request.param.startswith("no-inner-mouth"):
        return placed(head, *skin_without_inner_mouth(head), rotation_axis=[0.0, 0.0, 1.0], angle=1.2, mirror=False,
                      scale=1.0)
    if request.param.startswith("subdivided"):
        return placed(head, *subdivided_skin(head), rotation_axis=[1.0, 2.0, 3.0], angle=0.7, mirror=False,
                      scale=3.0)
    return placed(head, *decimated_skin(head, keep=0.5), rotation_axis=[0.0, 1.0, 0.2], angle=2.5, mirror=True,
                  scale=0.02)


@pytest.fixture(scope="module")
def prepared(character):
    return prepare_character(character.mesh, character.landmarks)


def lip_points(head, character):
    """For each lip landmark, the character vertex nearest to where it lies on the character."""
    vertices = np.asarray(character.mesh.vertices, dtype=np.float64)
    return {name: int(np.argmin(np.linalg.norm(vertices - character.landmarks[name], axis=1))) for name in LIP_LANDMARKS}


def test_the_construction_has_another_topology(head, character):
    count = character.mesh.vertex_count
    assert count != len(head.parts["skin"])


def test_the_fit_reports_a_good_fit(prepared):
    report = prepared.report
    assert report.poor_areas == () and report.inverted_mouth_triangles == 0 and report.warnings == ()
    assert max(report.landmark_errors.values()) < 0.02


def test_lip_landmarks_follow_the_heads_motion_within_2_percent_of_mouth_width_at_every_frame(
        head, character, prepared, spoken_weights):
    head_offsets = np.einsum("fu,uvd->fvd", spoken_weights, head.targets)
    truth = character.true_motion(head_offsets)
    carried = np.einsum("fu,uvd->fvd", spoken_weights, prepared.targets)
    mouth_width = np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"])
    for name, vertex in lip_points(head, character).items():
        error = np.linalg.norm(carried[:, vertex] - truth[:, vertex], axis=1) / mouth_width
        assert error.max() < 0.02, f"{name}: {error.max():.1%} of the mouth width at frame {error.argmax()}"
    # Not only the landmarks: every vertex of the lips.
    lip_vertices = np.flatnonzero(np.isin(character.origin_corners, head.lip_vertices).all(axis=1))
    error = np.linalg.norm(carried[:, lip_vertices] - truth[:, lip_vertices], axis=2) / mouth_width
    assert np.percentile(error, 99) < 0.02


def test_every_lip_closure_of_the_source_is_kept(head, character, prepared, spoken_weights):
    upper, lower = head.landmark_index["lip_upper_mid"], head.landmark_index["lip_lower_mid"]
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    posed = rest[[upper, lower]][None] + np.einsum("fu,uvd->fvd", spoken_weights, head.targets[:, [upper, lower]])
    source_gap = np.linalg.norm(posed[:, 0] - posed[:, 1], axis=1)
    source_closed = source_gap < np.linalg.norm(rest[upper] - rest[lower]) + 0.01 * template_regions(head).mouth_width
    assert source_closed.sum() >= 3 and (~source_closed).sum() >= 3  # the line opens and closes the lips

    points = lip_points(head, character)
    vertices = np.asarray(character.mesh.vertices, dtype=np.float64)
    shapes = vertices[[points["lip_upper_mid"], points["lip_lower_mid"]]][None] + np.einsum(
        "fu,uvd->fvd", spoken_weights, prepared.targets[:, [points["lip_upper_mid"], points["lip_lower_mid"]]])
    mouth_width = np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"])
    gap = np.linalg.norm(shapes[:, 0] - shapes[:, 1], axis=1) / mouth_width
    rest_gap = np.linalg.norm(vertices[points["lip_upper_mid"]] - vertices[points["lip_lower_mid"]]) / mouth_width
    assert (gap[source_closed] < rest_gap + 0.02).all()


def test_a_models_per_frame_offsets_carry_over_like_its_weights(head, character, prepared, spoken_weights):
    frames = spoken_weights[:12]
    offsets = np.einsum("fu,uvd->fvd", frames, head.targets)
    carried = transfer_offsets(offsets, prepared.correspondence)
    assert carried.shape == (12, prepared.correspondence.vertex_count, 3)
    units = transfer_offsets(head.targets, prepared.correspondence)
    np.testing.assert_allclose(carried, np.einsum("fu,uvd->fvd", frames, units), atol=1e-6 * 3.0)
    # The shape keys are those units but where untangling smoothed away a fold the head does not make:
    # few vertices, moved little.
    mouth_width = np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"])
    smoothed = np.linalg.norm(prepared.targets - units, axis=2).max(axis=0) / mouth_width
    assert np.mean(smoothed > 1e-5) < 0.01 and smoothed.max() < 0.05


def test_vertices_far_from_the_face_do_not_move(head, character, prepared):
    origin_rest = np.einsum("vcd,vc->vd", np.asarray(head.mesh.vertices, dtype=np.float64)[character.origin_corners],
                            character.origin_weights)
    back_of_head = origin_rest[:, 1] > 0.0  # behind the ears: no face unit reaches there
    assert back_of_head.sum() > 50
    assert np.abs(prepared.targets[:, back_of_head]).max() == 0.0
