"""A full-body character: its head is found at the top of the standing figure, whatever the export's axes,
and the face's landmarks are found on it; a head alone is used whole."""

import numpy as np
import pytest

from lipwright.retarget.head_region import head_region
from lipwright.retarget.landmarks import find_character_landmarks
from lipwright.template.landmarks import LANDMARK_NAMES

from .landmark_meshes import LIP_NAMES, placed_head, relative_errors, standing_figure


@pytest.fixture(scope="module", params=["y_up_centimetres", "arbitrary_half_size"])
def figure(request):
    return standing_figure(request.param)


def test_the_head_is_the_top_of_the_figure(figure):
    mesh, truth, _, rotation = figure
    region = head_region(mesh)
    assert region is not None
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    # Back in the figure's own frame (Z up): the region is the head and neck, not a hand, a foot or the chest.
    upright = vertices @ rotation  # rotation is orthogonal; scale and offset do not change the order of heights
    height = np.ptp(upright[:, 2])
    top = upright[:, 2].max()
    assert (upright[region, 2] > top - 0.2 * height).all()
    assert np.ptp(upright[region, 0]) < 0.15 * height  # no arm held out sideways
    inside = np.zeros(len(vertices), dtype=bool)
    inside[region] = True
    for name, point in truth.items():
        assert inside[np.argmin(np.linalg.norm(vertices - point, axis=1))], name


def test_the_faces_landmarks_are_found_on_a_full_body(figure):
    mesh, truth, mouth_width, rotation = figure
    found = find_character_landmarks(mesh)
    assert set(found.points) == set(LANDMARK_NAMES)
    for name, error in relative_errors(found.points, truth, mouth_width).items():
        assert error < (0.05 if name in LIP_NAMES else 0.1), (name, error)
    # The canonical frame is the figure's own, turned back from the placement (within a few degrees).
    assert np.degrees(np.arccos(np.clip((np.trace(found.rotation @ rotation) - 1) / 2, -1, 1))) < 5.0


def test_a_head_alone_is_used_whole():
    mesh = placed_head("arbitrary_half_size")[0]
    assert head_region(mesh) is None
