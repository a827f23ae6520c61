"""Every landmark found automatically on the default head's own skin, however it is exported (Y-up, Z-up, turned,
mirrored, scaled, remeshed, decimated, no inner mouth), lies at its true place (the head's landmark vertices
carried through the construction), and the two mouth corners are mirror images of each other.

The skin alone (no eyes, teeth or tongue, as most exports come) shows the mouth's back through the slit at the
lips' corners and the skull through the empty eye sockets: a landmark cast through such a gap lands centimetres
deep, which these tests catch (mouth_corner_right was 1.7 mouth widths deep in the mouth)."""

import numpy as np
import pytest

from lipwright.retarget.landmarks import find_character_landmarks
from tests.retarget.auto_truth_cases import full_skin, named_as_seen
from tests.retarget.constructions import (decimated_skin, placed, skin_triangles, skin_without_inner_mouth, stylise,
                                          subdivided_skin)

from .landmark_meshes import LIP_NAMES

# Lip midpoints within 2% of the mouth's width: they are where the lips meet, found along the midline section
# (measured up to 1.4%, on the decimated head whose own crest decimation moved 0.7 mm; found on the lips'
# front view they were 3 to 4.3% off). Mouth corners within 3%: where the shortest surface path between the
# lip midpoints turns, as the head's own are (measured up to 2.2%; found where the seam's groove fades on the
# front view they were up to 8% off, and swung 6% with a tenth of a degree of tilt). Lids within 15%: the
# detector's lid points stand in for the head's own lid vertices (measured 3 to 10%). Nose and chin within 5%.
# A landmark cast into the mouth or an eye socket is 60 to 170% off.
TOLERANCE = {"lip_upper_mid": 0.02, "lip_lower_mid": 0.02, "mouth_corner_left": 0.03, "mouth_corner_right": 0.03,
             "chin": 0.05, "nose_tip": 0.05}
LID_TOLERANCE = 0.15
# The corners mirror each other about the head's mid-plane within 2% of the mouth's width (the head is
# symmetric; measured up to 1.0%, the stylised face 0.0%; before the corners moved to the commissure, 3.6% and
# 5.2%, where the rim pixel nearest the slit's end lay on one lip's front; 87% with a corner in the mouth).
MIRROR_TOLERANCE = 0.02


CASES = {
    # name: (surface, rotation axis, angle, mirror, scale[, shift])
    "skin-z-up": (full_skin, [1.0, 0.0, 0.0], 0.0, False, 1.0),
    # As tests/blender/half_head.py places the head (made whole): the old code put mouth_corner_right in the mouth.
    "skin-y-up-ten-times": (full_skin, [1.0, 0.0, 0.0], np.pi / 2, False, 10.0, (0.0, 0.0, 0.0)),
    "skin-turned-mirrored-half-size": (full_skin, [0.3, 1.0, 0.2], 2.0, True, 0.5),
    "subdivided-turned": (subdivided_skin, [1.0, 2.0, 3.0], 0.7, False, 3.0),
    "decimated-mirrored-centimetres": (lambda head: decimated_skin(head, keep=0.5), [0.0, 1.0, 0.2], 2.5, True, 100.0),
    "no-inner-mouth-turned": (skin_without_inner_mouth, [0.0, 0.0, 1.0], 1.2, False, 1.0),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def character(request, head):
    surface, axis, angle, mirror, scale, *shift = CASES[request.param]
    where = {"shift": shift[0]} if shift else {}
    return placed(head, *surface(head), rotation_axis=axis, angle=angle, mirror=mirror, scale=scale, **where)


def errors(found: dict[str, np.ndarray], truth: dict[str, np.ndarray]) -> dict[str, float]:
    width = np.linalg.norm(truth["mouth_corner_left"] - truth["mouth_corner_right"])
    return {name: float(np.linalg.norm(found[name] - truth[name]) / width) for name in truth}


def mirror_error(found: dict[str, np.ndarray], character) -> float:
    """How far the right corner's mirror image (about the head's mid-plane, x = 0 in the head's frame) is from
    the left corner, as a share of the mouth's width."""
    inverse = np.linalg.inv(character.linear)
    left, right = ((found[f"mouth_corner_{side}"] - character.shift) @ inverse.T for side in ("left", "right"))
    return float(np.linalg.norm(left - right * np.array([-1.0, 1.0, 1.0])) / np.linalg.norm(left - right))


def tolerance(name: str) -> float:
    return TOLERANCE.get(name, LID_TOLERANCE)


def test_detected_landmarks_lie_at_their_true_places(character):
    found = find_character_landmarks(character.mesh)
    assert found.method == "detected"
    for name, error in errors(found.points, named_as_seen(character)).items():
        assert error < tolerance(name), (name, error)
    assert mirror_error(found.points, character) < MIRROR_TOLERANCE
    assert found.warnings == []


def test_guessed_lips_lie_at_their_true_places(character):
    found = find_character_landmarks(character.mesh, use_detector=False)
    assert found.method == "geometric"
    measured = errors(found.points, named_as_seen(character))
    for name in (*LIP_NAMES, "chin", "nose_tip"):
        assert measured[name] < tolerance(name), (name, measured[name])
    # With no eyeballs the lids come from proportions (said in a warning), but on the lids, not in the sockets.
    for name in ("upper_lid_left", "upper_lid_right", "lower_lid_left", "lower_lid_right"):
        assert measured[name] < 0.3, (name, measured[name])
    assert mirror_error(found.points, character) < MIRROR_TOLERANCE


def test_the_stylised_face_gets_its_lips_from_the_shape(head):
    triangles = skin_triangles(head)
    used = np.unique(triangles)
    index = np.full(head.vertex_count, -1)
    index[used] = np.arange(len(used))
    vertices = stylise(head.mesh.vertices, head)
    origin = (np.repeat(used[:, None], 3, axis=1), np.tile([1.0, 0.0, 0.0], (len(used), 1)))
    character = placed(head, vertices[used], index[triangles], origin, rotation_axis=[1.0, 0.0, 0.0],
                       angle=np.pi / 2, mirror=False, scale=1.0)
    # The construction's truth: the stylised head's own landmark vertices, placed.
    truth = {name: vertices[vertex] @ character.linear.T + character.shift
             for name, vertex in head.landmark_index.items()}
    found = find_character_landmarks(character.mesh, use_detector=False)
    measured = errors(found.points, truth)
    for name in LIP_NAMES:
        assert measured[name] < tolerance(name), (name, measured[name])
    assert mirror_error(found.points, character) < MIRROR_TOLERANCE
