"""MediaPipe Face Mesh, from the files in its wheel only, on renders of the default head and of no face."""

import sys

import numpy as np
import pytest

from lipwright.retarget.landmarks_detect import (FACE_MESH_INDEX, DetectorMissing, detect_landmarks,
                                                 detector_available)
from lipwright.retarget.render import render_front, triangulate
from lipwright.template.landmarks import LANDMARK_NAMES

from .landmark_meshes import mesh_from_parts, placed_head, uv_sphere


def test_the_detector_is_installed_with_its_models():
    assert detector_available()
    assert set(FACE_MESH_INDEX) == set(LANDMARK_NAMES)


def test_a_face_is_found_on_the_rendered_default_head():
    mesh, truth, mouth_width, _ = placed_head("z_up")
    render = render_front(mesh.vertices, triangulate(mesh), size=320)
    found = detect_landmarks(render.image)
    assert found is not None
    expected = {name: render.to_picture(point[[0, 2]][None])[0] for name, point in truth.items()}
    mouth_pixels = mouth_width / render.pixel_size
    for name in LANDMARK_NAMES:
        # On the picture, within 10% of the mouth's width (lids: 15%, they mark the lid's edge, not a vertex).
        share = 0.15 if "lid" in name else 0.1
        assert np.linalg.norm(found[name] - expected[name]) < share * mouth_pixels, name
    # The character's left shows on the picture's right.
    assert found["mouth_corner_left"][0] > found["mouth_corner_right"][0]


def test_no_face_on_a_sphere():
    mesh = mesh_from_parts(uv_sphere())
    assert detect_landmarks(render_front(mesh.vertices, triangulate(mesh), size=320).image) is None


def test_without_mediapipe_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mediapipe", None)  # what Python does for a package that is not there
    assert not detector_available()
    with pytest.raises(DetectorMissing, match=r"pip install lipwright\[faces\]"):
        detect_landmarks(np.zeros((8, 8, 3)))
