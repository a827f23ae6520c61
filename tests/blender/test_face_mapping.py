"""Faces with only some ARKit keys, or a rig's viseme keys, animated through the editable key mapping (real speech)."""

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, set_fps
from tests.blender.real_line import animate_line

VISEME_KEYS = ("AI", "O", "E", "U", "MBP", "FV", "L", "WQ", "rest")


@pytest.fixture(scope="module")
def real_line(tmp_path_factory):
    return animate_line(tmp_path_factory.mktemp("speech"))


def curve_values(action, key_name):
    """The values of the key's curve on the line's frames (between its ease-in and ease-out keys, both 0)."""
    from blender_addon import compat

    path = f'key_blocks["{key_name}"].value'
    curve = next(c for c in compat.action_fcurves(action) if c.data_path == path)
    co = np.empty(len(curve.keyframe_points) * 2, np.float32)
    curve.keyframe_points.foreach_get("co", co)
    values = co[1::2]
    assert values[0] == 0.0 and values[-1] == 0.0
    return values[1:-1]


def unit(result, name):
    return result["weights"][:, list(result["weight_names"]).index(name)]


def lips_sealed(result):
    """Frames where the model closes the lips for p/b/m (its own mouthPress peaks) and where it opens for vowels."""
    press = (unit(result, "mouthPressLeft") + unit(result, "mouthPressRight")) / 2
    gap = unit(result, "jawOpen") - unit(result, "mouthClose")
    return (press > 0.25) & (gap < 0.05), gap > 0.35


def test_a_face_with_only_jaw_open_close_and_funnel_is_animated(real_line):
    from blender_addon import bake

    _, result = real_line
    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh(key_names=("jawOpen", "mouthClose", "mouthFunnel"))
    assert bake.choose_mode(obj, None, "AUTO") == "ARKIT"  # was: basis mode, refused for its vertex count
    report = bake.bake_result(scene, obj, result, "Line 01", 1, "AUTO")
    assert report.mode == "ARKIT" and set(report.shape_keys) == {"jawOpen", "mouthClose", "mouthFunnel"}
    action = bpy.data.actions[report.action_name]
    jaw = curve_values(action, "jawOpen")
    sealed, vowel = lips_sealed(result)
    assert vowel.any() and sealed.any()
    lip_gap = jaw - curve_values(action, "mouthClose")  # ARKit seals the lips with mouthClose == jawOpen
    assert jaw[vowel].min() > 0.3 and lip_gap[sealed].max() < 0.12  # opens on vowels, sealed on p/b/m
    assert curve_values(action, "mouthFunnel").max() > 0.2  # 'moon': the lips round


def test_a_viseme_rig_opens_on_vowels_and_closes_on_p_b_m(real_line):
    from blender_addon import bake

    _, result = real_line
    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh(key_names=VISEME_KEYS)
    report = bake.bake_result(scene, obj, result, "Line 01", 1, "AUTO")
    assert report.mode == "ARKIT" and "rest" not in report.shape_keys
    action = bpy.data.actions[report.action_name]
    ai, mbp = curve_values(action, "AI"), curve_values(action, "MBP")
    sealed, vowel = lips_sealed(result)
    assert mbp[sealed].min() > 0.6 and ai[sealed].max() < 0.1
    assert ai[vowel].min() > 0.4 and mbp[vowel].max() < 0.1 and (ai[vowel] > mbp[vowel]).all()
    assert curve_values(action, "O").max() > 0.3 and curve_values(action, "FV").max() >= 0.0


@pytest.mark.sound_strips
def test_an_edited_mapping_is_used_when_the_controls_are_applied(real_line):
    import blender_addon
    from blender_addon import bake, compat

    blender_addon.register()
    try:
        wav, result = real_line
        scene = bpy.context.scene
        set_fps(scene, 24)
        obj = grid_mesh(key_names=("viseme_aa", "viseme_PP", "viseme_O", "Smile"))
        compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
        scene.lipwright.target, scene.lipwright.sound_strip = obj, "Line 01"
        assert bpy.ops.lipwright.reset_mapping() == {"FINISHED"}
        rows = obj.lipwright_face.mapping
        assert {row.target for row in rows} == {"viseme_aa", "viseme_PP", "viseme_O"}
        bake.bake_result(scene, obj, result, "Line 01", 1)
        assert curve_values(bpy.data.actions["Lipwright Line 01"], "viseme_aa").max() > 0.4
        # The user drives their own smile key from the model's smile, and drops the open-vowel key.
        for row in rows:
            if row.target == "viseme_aa":
                row.weight = 0.0
        row = rows.add()
        row.source, row.target, row.weight = "mouthStretchLeft", "Smile", 2.0
        assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
        action = bpy.data.actions["Lipwright Line 01"]
        paths = {c.data_path for c in compat.action_fcurves(action)}
        assert 'key_blocks["viseme_aa"].value' not in paths  # no longer moved by the line: not keyed
        np.testing.assert_allclose(curve_values(action, "Smile"), np.clip(2 * unit(result, "mouthStretchLeft"), 0, 1),
                                   atol=1e-6)
    finally:
        blender_addon.unregister()


def test_a_face_with_no_mouth_keys_is_told_what_to_add():
    from blender_addon import bake

    obj = grid_mesh(key_names=("Smile", "Frown"))
    with pytest.raises(bake.BakeError, match="no shape keys Lipwright can drive") as caught:
        bake.choose_mode(obj, None, "ARKIT")
    assert "topolog" not in str(caught.value)


def test_a_viseme_key_driven_by_a_rig_is_refused_before_the_model_runs():
    from blender_addon import bake

    obj = grid_mesh(key_names=VISEME_KEYS)
    bake.check_bakeable(obj)
    rig = bpy.data.objects.new("Rig controls", None)
    bpy.context.scene.collection.objects.link(rig)
    driver = obj.data.shape_keys.key_blocks["MBP"].driver_add("value").driver
    variable = driver.variables.new()
    variable.targets[0].id = rig
    variable.targets[0].data_path = "location.x"
    driver.expression = variable.name
    with pytest.raises(bake.BakeError, match="driven by drivers .*MBP"):
        bake.check_bakeable(obj)
