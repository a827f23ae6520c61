"""find_character_landmarks: the default head however it is exported, a stylised head, and meshes with no face."""

import sys

import numpy as np
import pytest

from lipwright.errors import LipwrightError
from lipwright.retarget.landmarks import find_character_landmarks
from lipwright.template.landmarks import LANDMARK_NAMES

from .landmark_meshes import (LIP_NAMES, PLACEMENTS, cube, hand, hand_blob, mesh_from_parts, placed_head,
                              relative_errors, stylised_head, uv_sphere)


def _assert_close(found, truth, mouth_width):
    assert set(found.points) == set(LANDMARK_NAMES)
    for name, error in relative_errors(found.points, truth, mouth_width).items():
        # Lip points within 5% of the mouth's width, the others within 10%.
        assert error < (0.05 if name in LIP_NAMES else 0.1), (name, error)


@pytest.mark.parametrize("placement", sorted(PLACEMENTS))
def test_the_default_head_is_detected_however_it_is_placed(placement):
    mesh, truth, mouth_width, rotation = placed_head(placement)
    found = find_character_landmarks(mesh)
    assert found.method == "detected"
    _assert_close(found, truth, mouth_width)
    # The canonical frame undoes the placement: the head's own axes come back.
    np.testing.assert_allclose(found.rotation @ rotation, np.eye(3), atol=0.03)
    assert found.warnings == []


def test_without_the_detector_the_shape_gives_the_landmarks_and_says_so():
    mesh, truth, mouth_width, _ = placed_head("arbitrary_half_size")
    found = find_character_landmarks(mesh, use_detector=False)
    assert found.method == "geometric"
    _assert_close(found, truth, mouth_width)
    assert any("guessed from the shape" in warning for warning in found.warnings)


def test_a_stylised_head_gets_its_lips_from_the_fallback(monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # as where lipwright[faces] is not installed
    mesh, truth, mouth_width = stylised_head()
    found = find_character_landmarks(mesh)
    assert found.method == "geometric"
    assert any("pip install lipwright[faces]" in warning for warning in found.warnings)
    errors = relative_errors(found.points, truth, mouth_width)
    for name in LIP_NAMES:
        assert errors[name] < 0.05, (name, errors[name])
    assert any("guessed from the shape" in warning for warning in found.warnings)
    assert 0.0 < found.confidence < 1.0


@pytest.mark.parametrize("make", [lambda: mesh_from_parts(uv_sphere()), cube, hand_blob, hand],
                         ids=["sphere", "cube", "hand-of-blobs", "hand-of-box-and-cylinders"])
def test_a_mesh_with_no_face_is_refused_with_what_to_do(make):
    with pytest.raises(LipwrightError) as raised:
        find_character_landmarks(make())
    message = str(raised.value)
    assert message.startswith("no face found: ")
    assert "place the landmarks by hand" in message
