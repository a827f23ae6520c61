"""A Basis Keys line keys the face's part-follow properties from the result's part weights; each part's driver adds
them to the face's key, so a separate mesh follows the line; re-baking, removing the line and bad weights leave
nothing behind, and a re-fit upgrades the drivers an earlier fit made."""

import json

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, make_result, set_fps
from tests.blender.test_prepared_character_bake import evaluated_vertices

FRAMES = 30


def evaluated_z(obj) -> np.ndarray:
    return evaluated_vertices(obj)[:, 2]


def driven_part(face):
    """A face whose 'Teeth' follow its jawOpen (a key lifting the teeth by 0.01), as a fit leaves them."""
    from blender_addon import character_parts, part_follow

    face.data.shape_keys.key_blocks["jawOpen"].value = 0.0  # Blender 5.0 starts new keys at 1.0
    teeth = grid_mesh("Teeth", size=3, key_names=("jawOpen",))
    part_follow.ensure_properties(face.data.shape_keys, ["jawOpen", "tongueOut"])
    character_parts.drive_from_face(teeth, "jawOpen", face.data.shape_keys)
    return teeth


def line_result(vertex_count):
    result = make_result(FRAMES, vertex_count, 24)
    opening = 0.5 + 0.4 * np.sin(np.linspace(0.0, 3.0 * np.pi, FRAMES))
    result["part_weights"] = np.column_stack([opening, np.zeros(FRAMES)]).astype(np.float32)
    result["part_weight_names"] = ["jawOpen", "tongueOut"]
    return result, opening


def test_a_basis_line_moves_the_parts_and_takes_nothing_along_when_it_goes():
    from blender_addon import bake, compat, line_store, part_follow
    from blender_addon.line_controls import LineControls

    scene = bpy.context.scene
    set_fps(scene, 24)
    face = grid_mesh(key_names=("jawOpen",))
    teeth = driven_part(face)
    result, opening = line_result(len(face.data.vertices))
    for _ in range(2):  # a re-bake replaces the line's curves in place
        report = bake.bake_result(scene, face, result, "Line 01", 10)
    assert report.mode == "BASIS" and report.part_units == ["jawOpen"]  # tongueOut never moves: not keyed
    assert "separate parts following 1 unit," in report.summary()
    keys = face.data.shape_keys
    paths = [c.data_path for c in compat.action_fcurves(bpy.data.actions[report.action_name])]
    assert paths.count(part_follow.data_path("jawOpen")) == 1 and part_follow.data_path("tongueOut") not in paths
    for index in (0, 7, 15, 29):
        scene.frame_set(10 + index)
        assert keys[part_follow.property_name("jawOpen")] == pytest.approx(opening[index], abs=1e-5)
        assert keys.key_blocks["jawOpen"].value == 0.0  # the face's own key: untouched
        np.testing.assert_allclose(evaluated_z(teeth), 0.01 * opening[index], atol=1e-6)
    scene.frame_set(60)  # after the line: the base track holds the property at rest
    np.testing.assert_allclose(evaluated_z(teeth), 0.0, atol=1e-7)

    # Re-applied from what the line stored (a control changed): the parts' curve is written again, as it was.
    line_store.reapply_line(scene, face, "Line 01")
    paths = [c.data_path for c in compat.action_fcurves(bpy.data.actions[report.action_name])]
    assert paths.count(part_follow.data_path("jawOpen")) == 1
    scene.frame_set(17)
    np.testing.assert_allclose(evaluated_z(teeth), 0.01 * opening[7], atol=1e-6)
    curve = next(c for c in compat.action_fcurves(bpy.data.actions[report.action_name])
                 if c.data_path == part_follow.data_path("jawOpen"))
    doubled, slot = bake.new_action(keys, "doubled")
    line_store.write_follow_curves(doubled, slot, 10, [("jawOpen", opening)], LineControls(intensity=2.0))
    twice = next(iter(compat.action_fcurves(doubled)))
    assert twice.evaluate(17) == pytest.approx(min(2.0 * curve.evaluate(17), part_follow.MAX_VALUE), abs=1e-5)

    scene.frame_set(17)
    assert bake.remove_bake(face, "Line 01")
    assert keys[part_follow.property_name("jawOpen")] == 0.0  # not the last value played
    assert keys.animation_data is None or not keys.animation_data.nla_tracks
    scene.frame_set(18)
    np.testing.assert_allclose(evaluated_z(teeth), 0.0, atol=1e-7)


def test_part_weights_that_do_not_fit_the_line_are_refused_and_nothing_is_written():
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 24)
    face = grid_mesh(key_names=("jawOpen",))
    driven_part(face)
    result, _ = line_result(len(face.data.vertices))
    result["part_weights"] = result["part_weights"][:-1]
    with pytest.raises(bake.BakeError, match="part weights have shape"):
        bake.bake_result(scene, face, result, "Line 01", 1)
    result["part_weights"] = np.full((FRAMES, 2), np.nan, np.float32)
    with pytest.raises(bake.BakeError, match="invalid numbers"):
        bake.bake_result(scene, face, result, "Line 01", 1)
    assert not bpy.data.actions and face.data.shape_keys.animation_data is None
    assert [block.name for block in face.data.shape_keys.key_blocks] == ["Basis", "jawOpen"]


def test_parts_an_older_fit_drove_are_named_in_the_report_and_a_refit_upgrades_their_drivers():
    from blender_addon import bake, character_keys, character_parts, part_follow

    scene = bpy.context.scene
    set_fps(scene, 24)
    face = grid_mesh(key_names=("jawOpen",))
    face[character_keys.FIT_KEY] = json.dumps({"parts": {"Teeth": ["lower_teeth"]}})
    teeth = grid_mesh("Teeth", size=3, key_names=("jawOpen", "tongueOut"))
    teeth[character_parts.PART_KEY] = json.dumps({"created_keys": ["jawOpen"], "kept_keys": ["tongueOut"]})
    old = teeth.data.shape_keys.key_blocks["jawOpen"].driver_add("value").driver  # as fits made them before
    old.type = "AVERAGE"
    variable = old.variables.new()
    variable.targets[0].id_type = "KEY"
    variable.targets[0].id = face.data.shape_keys
    variable.targets[0].data_path = 'key_blocks["jawOpen"].value'

    result, _ = line_result(len(face.data.vertices))
    report = bake.bake_result(scene, face, result, "Line 01", 1)
    assert report.part_units == []
    assert any("'Teeth' follow only the face's ARKit keys" in warning and "fit the character again" in warning
               for warning in report.model_warnings)

    # The next fit keeps the earlier fit's key (not asked to replace it) yet drives it anew; the user's own
    # tongueOut stays undriven.
    plan = character_parts.PartPlan(obj=teeth, basis=np.zeros((9, 3)), offsets={}, parts=["lower_teeth"],
                                    kept=["jawOpen", "tongueOut"])
    character_parts.write_parts(face, [plan])
    drivers = {curve.data_path: curve.driver for curve in teeth.data.shape_keys.animation_data.drivers}
    assert set(drivers) == {'key_blocks["jawOpen"].value'}
    driver = drivers['key_blocks["jawOpen"].value']
    assert driver.type == "SUM"
    assert [v.targets[0].data_path for v in driver.variables] == ['key_blocks["jawOpen"].value',
                                                                   part_follow.data_path("jawOpen")]
    assert part_follow.followed_units(face.data.shape_keys) == ["jawOpen"]
    assert bake.bake_result(scene, face, result, "Line 01", 1).part_units == ["jawOpen"]


def test_a_trimmed_strip_cuts_the_part_weights_with_the_offsets():
    from blender_addon import bake

    result, _ = line_result(4)
    cut, start = bake.trim_result(result, 100, 106, 120)
    assert start == 106 and len(cut["offsets"]) == len(cut["part_weights"]) == 14
    np.testing.assert_array_equal(cut["part_weights"], result["part_weights"][6:20])
