"""Separate teeth, tongue and eye meshes get the 52 keys: lower teeth and tongue ride the jaw, the upper
teeth stay, the eyes turn in place. The character is the head's skin mirrored, turned and scaled; its
separate parts are the head's own, placed the same way, so their true motion is known."""

import numpy as np
import pytest

from lipwright.errors import MeshError
from lipwright.geometry.mesh import MeshData
from lipwright.retarget.attached_parts import attached_mesh_targets, attached_part_targets
from lipwright.retarget.prepare import prepare_character
from tests.retarget.constructions import parts_mesh, placed, skin_without_inner_mouth
from tests.retarget.landmark_meshes import uv_sphere

EYE_LOOKS = ("eyeLookUpLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft",
             "eyeLookUpRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight")


@pytest.fixture(scope="module")
def character(head):
    return placed(head, *skin_without_inner_mouth(head), rotation_axis=[0.3, 1.0, 0.2], angle=2.0, mirror=True,
                  scale=10.0)


@pytest.fixture(scope="module")
def prepared(character):
    return prepare_character(character.mesh, character.landmarks)


def part_in_character(head, character, part: str) -> np.ndarray:
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)[head.parts[part]]
    return rest @ character.linear.T + character.shift


def key(head, name: str) -> int:
    return head.target_names.index(name)


def mouth_width(character) -> float:
    return float(np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"]))


def pairwise(points: np.ndarray) -> np.ndarray:
    return np.linalg.norm(points[:, None] - points[None], axis=2)


@pytest.mark.parametrize("name", ["jawOpen", "jawLeft", "jawForward"])
def test_the_lower_teeth_ride_the_jaw_rigidly_as_the_heads_do(head, character, prepared, name):
    vertices = part_in_character(head, character, "lower_teeth")
    targets = attached_part_targets(prepared, vertices, "lower_teeth")
    assert targets.shape == (len(head.target_names), len(vertices), 3) and targets.dtype == np.float32
    jaw = targets[key(head, name)]
    width = mouth_width(character)
    assert np.linalg.norm(jaw, axis=1).max() > 0.1 * width  # the jaw really moves
    np.testing.assert_allclose(pairwise(vertices + jaw), pairwise(vertices), atol=1e-5 * width)
    # Where the head's own teeth go: their offsets, placed as the character is.
    truth = head.targets[key(head, name), head.parts["lower_teeth"]] @ character.linear.T
    assert np.linalg.norm(jaw - truth, axis=1).max() < 0.03 * width
    assert np.abs(targets[key(head, "mouthSmileLeft")]).max() == 0.0


def test_the_tongue_rides_the_jaw_and_pokes_out_for_tongue_out(head, character, prepared):
    tongue = part_in_character(head, character, "tongue")
    targets = attached_part_targets(prepared, tongue, "tongue")
    teeth = attached_part_targets(prepared, part_in_character(head, character, "lower_teeth"), "lower_teeth")
    width = mouth_width(character)
    # Tongue and teeth as one rigid body on the jaw keys: their distances to each other are kept.
    teeth_rest = part_in_character(head, character, "lower_teeth")
    for name in ("jawOpen", "jawLeft"):
        moved_gap = np.linalg.norm((tongue + targets[key(head, name)])[:, None]
                                   - (teeth_rest + teeth[key(head, name)])[None], axis=2)
        np.testing.assert_allclose(moved_gap, np.linalg.norm(tongue[:, None] - teeth_rest[None], axis=2),
                                   atol=1e-5 * width)
    out = targets[key(head, "tongueOut")]
    np.testing.assert_allclose(pairwise(tongue + out), pairwise(tongue), atol=1e-5 * width)
    # Out of the mouth: forward, as the head's own tongue goes (its mean offset, placed as the character is).
    forward = head.targets[key(head, "tongueOut"), head.parts["tongue"]].mean(axis=0) @ character.linear.T
    assert out.mean(axis=0) @ forward / (forward @ forward) > 0.7
    assert np.abs(teeth[key(head, "tongueOut")]).max() == 0.0


def test_the_upper_teeth_stay_with_the_skull(head, character, prepared):
    targets = attached_part_targets(prepared, part_in_character(head, character, "upper_teeth"), "upper_teeth")
    for name in ("jawOpen", "jawLeft", "mouthClose", "tongueOut", "eyeLookUpLeft"):
        assert np.abs(targets[key(head, name)]).max() == 0.0, name


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_eyes_turn_about_their_centres_for_the_look_keys_only(head, character, prepared, side):
    vertices = part_in_character(head, character, f"eye_{side}")
    targets = attached_part_targets(prepared, vertices, f"eye_{side}")
    centre = vertices.mean(axis=0)
    radius = np.linalg.norm(vertices - centre, axis=1)
    own = [name for name in EYE_LOOKS if name.endswith(side.capitalize())]
    for name in own:
        moved = vertices + targets[key(head, name)]
        assert np.linalg.norm(targets[key(head, name)], axis=1).max() > 0.1 * radius.max(), name
        np.testing.assert_allclose(np.linalg.norm(moved - centre, axis=1), radius, atol=0.01 * radius.max())
        np.testing.assert_allclose(pairwise(moved), pairwise(vertices), atol=1e-5 * radius.max())
    for name in ("jawOpen", "mouthSmileLeft", "eyeBlinkLeft", *[n for n in EYE_LOOKS if n not in own]):
        assert np.abs(targets[key(head, name)]).max() == 0.0, name


def test_an_eyeball_of_another_size_turns_in_place(head, character, prepared):
    """A character's own eyeball: a sphere a little bigger than the head's, centred where its eye is."""
    eye = part_in_character(head, character, "eye_left")
    sphere, _ = uv_sphere(radius=1.2 * np.linalg.norm(eye - eye.mean(axis=0), axis=1).max(), rings=10, segments=16,
                          centre=eye.mean(axis=0))
    targets = attached_part_targets(prepared, sphere, "eye_left")
    up = targets[key(head, "eyeLookUpLeft")]
    assert np.abs(up).max() > 0.0
    np.testing.assert_allclose(np.linalg.norm(sphere + up - eye.mean(axis=0), axis=1),
                               np.linalg.norm(sphere - eye.mean(axis=0), axis=1), rtol=1e-6)


def test_a_mesh_that_is_not_where_the_part_is_is_refused(head, character, prepared):
    teeth = part_in_character(head, character, "lower_teeth") + 5.0 * mouth_width(character)
    with pytest.raises(MeshError, match="mouth widths from where the fit puts the lower teeth"):
        attached_part_targets(prepared, teeth, "lower_teeth")
    with pytest.raises(MeshError, match="Unknown attached part"):
        attached_part_targets(prepared, teeth, "ears")


def parts_mesh_of(head, character, parts: tuple[str, ...], extra: np.ndarray | None = None) -> tuple[MeshData, dict]:
    """The head's own `parts` as one mesh placed as the character is, and `extra` loose triangles after them."""
    vertices, triangles, rows = parts_mesh(head, parts, character.linear, character.shift)
    if extra is not None:
        triangles = np.concatenate([triangles, len(vertices) + np.arange(len(extra)).reshape(-1, 3)])
        vertices = np.concatenate([vertices, extra])
    return MeshData(vertices.astype(np.float32), triangles.reshape(-1).astype(np.int32),
                    np.full(len(triangles), 3, np.int32)), rows


def test_one_mesh_of_both_teeth_rows_and_the_tongue_moves_each_piece_as_its_part(head, character, prepared):
    far = part_in_character(head, character, "upper_teeth")[:6] + 3.0 * mouth_width(character)
    mesh, rows = parts_mesh_of(head, character, ("upper_teeth", "lower_teeth", "tongue"), extra=far)
    found = attached_mesh_targets(prepared, mesh, "'Teeth'")
    assert found.parts == ("upper_teeth", "lower_teeth", "tongue") and found.still_vertices == len(far)
    assert found.targets.shape == (len(head.target_names), mesh.vertex_count, 3)
    for part, chosen in rows.items():
        alone = attached_part_targets(prepared, mesh.vertices[chosen], part)
        np.testing.assert_allclose(found.targets[:, chosen], alone, atol=1e-6 * mouth_width(character))
    assert np.abs(found.targets[:, -len(far):]).max() == 0.0  # the stray piece belongs to no part: it stays
    jaw = found.targets[key(head, "jawOpen")]
    assert np.abs(jaw[rows["upper_teeth"]]).max() == 0.0 and np.abs(jaw[rows["lower_teeth"]]).max() > 0.0


def test_one_mesh_of_both_eyes_turns_each_eye_for_its_own_look_keys(head, character, prepared):
    mesh, rows = parts_mesh_of(head, character, ("eye_left", "eye_right"))
    found = attached_mesh_targets(prepared, mesh)
    assert set(found.parts) == {"eye_left", "eye_right"} and found.still_vertices == 0
    for side, other in (("left", "right"), ("right", "left")):
        look = found.targets[key(head, f"eyeLookUp{side.capitalize()}")]
        assert np.abs(look[rows[f"eye_{side}"]]).max() > 0.0 and np.abs(look[rows[f"eye_{other}"]]).max() == 0.0


def test_a_mesh_with_no_piece_near_the_mouth_or_eyes_is_refused_by_name(head, character, prepared):
    mesh, _ = parts_mesh_of(head, character, ("tongue",))
    away = MeshData(mesh.vertices + np.float32(4.0 * mouth_width(character)), mesh.faces_flat, mesh.face_sizes)
    with pytest.raises(MeshError, match="No piece of 'Hat' lies where the fit puts the teeth, tongue or eyes"):
        attached_mesh_targets(prepared, away, "'Hat'")
