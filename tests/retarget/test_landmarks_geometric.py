"""Landmarks guessed from the shape alone (the fallback for stylised faces), in the canonical frame."""

import numpy as np
import pytest

from lipwright.retarget.landmarks_geometric import NoFaceFound, guess_landmarks
from lipwright.retarget.render import triangulate

from .landmark_meshes import LIP_NAMES, cube, placed_head, relative_errors, stylised_head


@pytest.mark.parametrize("make", [lambda: placed_head("z_up")[:3], stylised_head], ids=["default", "stylised"])
def test_landmarks_of_a_head_in_its_own_frame(make):
    mesh, truth, mouth_width = make()
    guess = guess_landmarks(mesh.vertices, triangulate(mesh))
    errors = relative_errors(guess.points, truth, mouth_width)
    for name, error in errors.items():
        assert error < (0.05 if name in LIP_NAMES else 0.1), (name, error)
    assert 0.0 < guess.confidence <= 1.0
    assert "guessed from the shape" in guess.warnings[0]


def test_an_open_mouth_puts_the_lip_midpoints_on_either_lip():
    mesh, truth, mouth_width, _ = placed_head("z_up")
    from lipwright.template.head import load_default_head

    head = load_default_head()
    opened = head.posed({"jawOpen": 0.6})
    upper, lower = opened[head.landmark_index["lip_upper_mid"]], opened[head.landmark_index["lip_lower_mid"]]
    assert upper[2] - lower[2] > 0.2 * mouth_width  # the lips really are apart
    guess = guess_landmarks(opened, triangulate(mesh))
    assert np.linalg.norm(guess.points["lip_upper_mid"] - upper) < 0.1 * mouth_width
    assert np.linalg.norm(guess.points["lip_lower_mid"] - lower) < 0.1 * mouth_width


def test_a_cube_has_no_face():
    mesh = cube()
    with pytest.raises(NoFaceFound, match="no face found"):
        guess_landmarks(np.asarray(mesh.vertices, dtype=np.float64), triangulate(mesh))
