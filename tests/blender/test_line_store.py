"""A line's controls (intensity, smoothing, key reduction) re-applied from the result stored on the line."""

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, set_fps
from tests.blender.real_line import animate_line

JAW = 'key_blocks["jawOpen"].value'


@pytest.fixture(scope="module")
def real_line(tmp_path_factory):
    return animate_line(tmp_path_factory.mktemp("speech"))


@pytest.fixture()
def registered():
    import blender_addon

    blender_addon.register()
    yield blender_addon
    blender_addon.unregister()


def baked_face(real_line, key_names=None):
    """A face with ARKit keys and the real line baked on it from frame 101, with its sound strip."""
    from blender_addon import bake, compat
    from blender_addon.arkit_names import ARKIT_NAMES

    wav, result = real_line
    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh(key_names=key_names or ARKIT_NAMES)
    compat.new_sound_strip(scene, "Line 01", str(wav), 1, 101)
    scene.lipwright.target, scene.lipwright.sound_strip = obj, "Line 01"
    bake.bake_result(scene, obj, result, "Line 01", 101)
    return scene, obj, compat.find_strip(scene, "Line 01")


def keys_of(obj, path=JAW):
    """The (frame, value) keys of the line's curve between its ease-in and ease-out keys (both at 0)."""
    from blender_addon import compat

    action = bpy.data.actions["Lipwright Line 01"]
    curve = next(c for c in compat.action_fcurves(action) if c.data_path == path)
    co = np.empty(len(curve.keyframe_points) * 2, np.float32)
    curve.keyframe_points.foreach_get("co", co)
    co = co.reshape(-1, 2)
    assert co[0, 1] == 0.0 and co[-1, 1] == 0.0
    return co[1:-1], curve


def jaw_column(result):
    return result["weights"][:, list(result["weight_names"]).index("jawOpen")]


@pytest.mark.sound_strips
def test_intensity_rescales_from_the_stored_result_and_survives_save_and_reload(registered, real_line, tmp_path):
    scene, obj, strip = baked_face(real_line)
    jaw = jaw_column(real_line[1])
    np.testing.assert_allclose(keys_of(obj)[0][:, 1], np.clip(jaw, 0, 1), atol=1e-6)

    strip.lipwright_line.intensity = 2.0
    assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
    doubled = keys_of(obj)[0][:, 1]
    np.testing.assert_allclose(doubled, np.clip(2 * jaw, 0, 1), atol=1e-6)
    assert doubled.max() > jaw.max()

    path = str(tmp_path / "line.blend")
    bpy.ops.wm.save_as_mainfile(filepath=path)
    bpy.ops.wm.open_mainfile(filepath=path)
    scene = bpy.context.scene
    from blender_addon import compat

    obj, strip = bpy.data.objects["Face"], compat.find_strip(scene, "Line 01")
    assert strip.lipwright_line.intensity == 2.0
    np.testing.assert_allclose(keys_of(obj)[0][:, 1], doubled, atol=1e-6)

    strip.lipwright_line.intensity = 0.0  # rest: every key of the line at 0
    assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
    for curve in compat.action_fcurves(bpy.data.actions["Lipwright Line 01"]):
        co = np.empty(len(curve.keyframe_points) * 2, np.float32)
        curve.keyframe_points.foreach_get("co", co)
        assert np.all(co[1::2] == 0.0), curve.data_path
    strip.lipwright_line.intensity = 1.0  # and back, still from the stored result
    assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
    np.testing.assert_allclose(keys_of(obj)[0][:, 1], np.clip(jaw, 0, 1), atol=1e-6)


@pytest.mark.sound_strips
def test_smoothing_keeps_the_timing_and_reduction_keeps_the_curve_within_tolerance(registered, real_line):
    scene, obj, strip = baked_face(real_line)
    dense, _ = keys_of(obj)
    strip.lipwright_line.smoothing = 2.0
    bpy.ops.lipwright.apply_controls()
    smooth, _ = keys_of(obj)
    np.testing.assert_array_equal(smooth[:, 0], dense[:, 0])
    assert np.abs(np.diff(smooth[:, 1])).sum() < np.abs(np.diff(dense[:, 1])).sum()

    strip.lipwright_line.smoothing, strip.lipwright_line.reduction = 0.0, 0.02
    bpy.ops.lipwright.apply_controls()
    reduced, curve = keys_of(obj)
    assert len(reduced) < len(dense)
    from blender_addon import compat

    curves = compat.action_fcurves(bpy.data.actions["Lipwright Line 01"])
    assert sum(len(c.keyframe_points) for c in curves) < 0.5 * len(curves) * len(dense)  # most units barely move
    evaluated = np.array([curve.evaluate(frame) for frame in dense[:, 0]])
    assert np.abs(evaluated - dense[:, 1]).max() <= 0.02 + 1e-5
    scene.frame_set(int(dense[len(dense) // 2, 0]))  # and Blender plays the reduced curve
    assert abs(obj.data.shape_keys.key_blocks["jawOpen"].value - curve.evaluate(scene.frame_current)) < 1e-5


@pytest.mark.sound_strips
def test_a_new_generate_keeps_the_lines_controls(registered, real_line):
    from blender_addon import bake

    scene, obj, strip = baked_face(real_line)
    strip.lipwright_line.intensity = 0.5
    bake.bake_result(scene, obj, real_line[1], "Line 01", 101)  # as a Generate of the same strip would
    np.testing.assert_allclose(keys_of(obj)[0][:, 1], np.clip(0.5 * jaw_column(real_line[1]), 0, 1), atol=1e-6)


def test_apply_controls_says_when_the_line_was_never_generated(registered):
    obj = grid_mesh(key_names=("jawOpen",))
    scene = bpy.context.scene
    scene.lipwright.target = obj
    assert not bpy.ops.lipwright.apply_controls.poll()


@pytest.mark.sound_strips
def test_basis_keys_follow_the_controls_too(registered, tmp_path):
    from blender_addon import bake, compat
    from tests.blender.conftest import make_result
    from tests.blender.test_compat import write_wav

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh()
    compat.new_sound_strip(scene, "Line 01", str(write_wav(tmp_path / "a.wav")), 1, 1)
    scene.lipwright.target, scene.lipwright.sound_strip = obj, "Line 01"
    report = bake.bake_result(scene, obj, make_result(30, len(obj.data.vertices), 24), "Line 01", 1, "BASIS")
    first = report.shape_keys[0]
    path = f'key_blocks["{first}"].value'
    before = keys_of(obj, path)[0][:, 1]
    compat.find_strip(scene, "Line 01").lipwright_line.intensity = 2.0
    assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
    np.testing.assert_allclose(keys_of(obj, path)[0][:, 1], 2 * before, atol=1e-6)  # room made on the slider
    assert obj.data.shape_keys.key_blocks[first].slider_max >= 2.0


def test_the_raw_result_is_kept_on_the_line_through_save_and_reload(real_line, tmp_path):
    from blender_addon import bake, line_store

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh(key_names=("jawOpen", "mouthClose"))
    bake.bake_result(scene, obj, real_line[1], "Line 01", 11)
    path = str(tmp_path / "kept.blend")
    bpy.ops.wm.save_as_mainfile(filepath=path)
    bpy.ops.wm.open_mainfile(filepath=path)
    weights, names = line_store.stored_weights(line_store.line_action(bpy.data.objects["Face"], "Line 01"))
    np.testing.assert_array_equal(weights, real_line[1]["weights"])
    assert names == list(real_line[1]["weight_names"])
    report = line_store.reapply_line(bpy.context.scene, bpy.data.objects["Face"], "Line 01")  # no strip: default controls
    assert report.frame_start == 11 and set(report.shape_keys) == {"jawOpen", "mouthClose"}


def test_a_moved_line_stays_where_it_was_moved_when_re_applied(real_line):
    from blender_addon import bake, line_store

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh(key_names=("jawOpen", "mouthClose"))
    bake.bake_result(scene, obj, real_line[1], "Line 01", 11)
    nla_strip = line_store.line_nla_strip(obj, "Line 01")
    assert nla_strip.frame_start == 11 - bake.EASE_FRAMES
    nla_strip.frame_start = 61 - bake.EASE_FRAMES  # the animator slid the line 50 frames later
    report = line_store.reapply_line(scene, obj, "Line 01")
    nla_strip = line_store.line_nla_strip(obj, "Line 01")
    assert report.frame_start == 61 and bake.line_placement(nla_strip.action)["frame_start"] == 61
    assert nla_strip.frame_start == 61 - bake.EASE_FRAMES and nla_strip.action_frame_start == 61 - bake.EASE_FRAMES


@pytest.mark.sound_strips
def test_apply_controls_keeps_a_line_synced_to_its_moved_strip_where_it_plays(registered, real_line):
    from blender_addon import bake, compat, line_store, line_sync, scene_data

    wav, result = real_line
    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh(key_names=("jawOpen", "mouthClose", "eyeBlinkLeft"))
    strip = compat.new_sound_strip(scene, "Line 01", str(wav), 1, 101)
    scene.lipwright.target, scene.lipwright.sound_strip = obj, "Line 01"
    line_id = scene_data.strip_id(strip, scene)
    bake.bake_result(scene, obj, result, "Line 01", 101, line_id=line_id, sound_start=101)
    strip.frame_start = 151  # the editor moves the sound; the line follows it
    assert line_sync.sync_lines(scene, obj).moved == ["Line 01"]

    strip.lipwright_line.intensity = 2.0
    assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
    nla_strip = line_store.line_nla_strip(obj, "Line 01")
    placement = bake.line_placement(nla_strip.action)
    assert nla_strip.frame_start == 151 - bake.EASE_FRAMES
    assert (placement["frame_start"], placement["sound_start"], placement["line_id"]) == (151, 151.0, line_id)
    assert list(bake.lipwright_tracks(obj)) == [line_id]  # re-baked in place, not a second line
    jaw, _ = keys_of(obj)
    assert jaw[0, 0] == 151
    np.testing.assert_allclose(jaw[:, 1], np.clip(2 * jaw_column(result), 0, 1), atol=1e-6)

    strip.frame_start = 131  # and it still follows the strip afterwards
    assert line_sync.sync_lines(scene, obj).moved == ["Line 01"]
    assert line_store.line_nla_strip(obj, "Line 01").frame_start == 131 - bake.EASE_FRAMES


def test_blinks_rest_on_the_base_track_and_leave_it_with_the_lines_keys(real_line):
    from blender_addon import bake, blinks, compat, line_store

    scene = bpy.context.scene
    set_fps(scene, 24)
    scene.frame_start, scene.frame_end = 1, 240
    obj = grid_mesh(key_names=("jawOpen", "mouthClose", "eyeBlinkLeft", "eyeBlinkRight"))
    for block in obj.data.shape_keys.key_blocks[1:]:
        block.value = 0.0  # Blender 5.0 adds keys at 1.0
    bake.bake_result(scene, obj, real_line[1], "Line 01", 11)
    blinks.make_blinks(scene, obj, seed=3, darts=False)
    tracks = obj.data.shape_keys.animation_data.nla_tracks
    assert [t.name for t in tracks][0] == bake.BASE_TRACK and tracks[blinks.TRACK].strips[0].blend_type == "ADD"

    def base_paths():
        return {c.data_path for c in compat.action_fcurves(tracks[bake.BASE_TRACK].strips[0].action)}

    assert base_paths() == {line_store.data_path(k) for k in ("jawOpen", "mouthClose", "eyeBlinkLeft", "eyeBlinkRight")}
    lids = []
    for frame in range(1, 241):
        scene.frame_set(frame)
        lids.append(obj.data.shape_keys.key_blocks["eyeBlinkLeft"].value)
    assert max(lids) > 0.95 and np.mean(np.array(lids) < 0.01) > 0.8  # blinks, open in between (no 1.0 leak)
    assert blinks.remove_blinks(obj)
    assert base_paths() == {line_store.data_path(k) for k in ("jawOpen", "mouthClose")}
    assert bake.remove_bake(obj, "Line 01") and len(tracks) == 0
