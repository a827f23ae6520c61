"""Procedural blinks on their own Add track over the base track; the user's own eye animation keeps playing (4.x and 5.0)."""

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, set_fps

EYE_KEYS = ("eyeBlinkLeft", "eyeBlinkRight", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeLookDownLeft",
            "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight", "eyeLookDownRight", "jawOpen", "mouthClose")


def key_action(keys, name, key_name, points):
    from blender_addon import compat

    action = bpy.data.actions.new(name)
    slot = compat.new_action_for(action, keys)
    curve = compat.new_fcurve(action, slot, f'key_blocks["{key_name}"].value')
    for frame, value in points:
        curve.keyframe_points.insert(frame, value)
    return action, slot


def user_face():
    """A face whose eyeBlinkLeft the user animates on an NLA track (a wink at 100-120), whose eyeLookUpLeft
    they key on the active action, and whose other keys rest at 0."""
    from blender_addon import compat

    scene = bpy.context.scene
    set_fps(scene, 24)
    scene.frame_start, scene.frame_end = 1, 480
    obj = grid_mesh(key_names=EYE_KEYS)
    keys = obj.data.shape_keys
    for block in keys.key_blocks[1:]:
        block.value = 0.0  # Blender 5.0 adds keys at 1.0
    keys.animation_data_create()
    wink, slot = key_action(keys, "User wink", "eyeBlinkLeft", [(100, 0.0), (110, 1.0), (120, 0.0)])
    track = keys.animation_data.nla_tracks.new()
    track.name = "User wink"
    strip = track.strips.new("User wink", 100, wink)
    compat.assign_nla_strip_slot(strip, slot)
    look, slot = key_action(keys, "User look", "eyeLookUpLeft", [(1, 0.7), (480, 0.7)])
    keys.animation_data.action = look
    if slot is not None and hasattr(keys.animation_data, "action_slot"):
        keys.animation_data.action_slot = slot
    return scene, obj


def play(scene, obj, name, frames):
    out = []
    for frame in frames:
        scene.frame_set(frame)
        out.append(obj.data.shape_keys.key_blocks[name].value)
    return np.array(out)


def test_blinks_play_on_their_own_track_and_the_users_eye_keys_still_play():
    from blender_addon import bake, blinks

    scene, obj = user_face()
    frames = range(1, 481)
    before_wink = play(scene, obj, "eyeBlinkLeft", range(100, 121))
    count = blinks.make_blinks(scene, obj, seed=2, interval=3.5, darts=True)
    assert 2 <= count <= 10  # 20 seconds
    tracks = [t.name for t in obj.data.shape_keys.animation_data.nla_tracks]
    assert blinks.TRACK in tracks and "User wink" in tracks
    assert tracks[0] == bake.BASE_TRACK  # the eyes rest at 0 under every track (5.0's default is 1.0)

    right = play(scene, obj, "eyeBlinkRight", frames)
    assert right.max() > 0.95  # the eyes close...
    assert np.mean(right < 0.01) > 0.8  # ...briefly, and are open (no default of 1.0 leaking) in between
    closures = np.flatnonzero((right[1:] > 0.5) & (right[:-1] <= 0.5))
    assert len(closures) == count

    with_wink = play(scene, obj, "eyeBlinkLeft", range(100, 121))
    assert np.all(with_wink >= before_wink - 1e-6) and with_wink[10] == pytest.approx(1.0)  # the wink still plays
    assert np.allclose(play(scene, obj, "eyeLookUpLeft", frames[::20]), 0.7)  # the active action still wins
    darts = play(scene, obj, "eyeLookOutRight", frames) + play(scene, obj, "eyeLookInRight", frames)
    assert 0 < darts.max() <= 0.15 + 1e-6

    blinks.make_blinks(scene, obj, seed=2)  # again: replaced, not stacked
    names = [t.name for t in obj.data.shape_keys.animation_data.nla_tracks]
    assert names.count(blinks.TRACK) == 1 and names.count(bake.BASE_TRACK) == 1
    assert blinks.remove_blinks(obj)
    assert [t.name for t in obj.data.shape_keys.animation_data.nla_tracks] == ["User wink"]
    assert np.allclose(play(scene, obj, "eyeBlinkLeft", range(100, 121)), before_wink)


def test_a_face_without_eyelid_keys_is_told_what_to_add():
    from blender_addon import blinks

    obj = grid_mesh(key_names=("jawOpen",))
    with pytest.raises(blinks.BlinkError, match="no eyeBlinkLeft/eyeBlinkRight shape keys"):
        blinks.make_blinks(bpy.context.scene, obj)
    assert obj.data.shape_keys.animation_data is None


def ten_seconds_and_a_line(tmp_path_factory):
    """A 24 fps scene of 240 frames, an ARKit face, and a real line's result (not yet baked)."""
    from blender_addon.arkit_names import ARKIT_NAMES
    from tests.blender.real_line import animate_line

    _, result = animate_line(tmp_path_factory.mktemp("speech"))
    scene = bpy.context.scene
    set_fps(scene, 24)
    scene.frame_start, scene.frame_end = 1, 240
    return scene, grid_mesh(key_names=ARKIT_NAMES), result


def test_blinks_gather_at_the_start_of_a_baked_lines_phrases(tmp_path_factory):
    from blender_addon import bake, blink_timing, blinks

    scene, obj, result = ten_seconds_and_a_line(tmp_path_factory)
    bake.bake_result(scene, obj, result, "Line 01", 121)
    starts = blinks._speech_starts(scene, obj, 24.0)
    assert starts and min(starts) >= 5.0 - 1e-9  # the line starts speaking at frame 121 (5 s) or later
    # Over many seeds, a blink lands just before the line's first phrase far more often than chance.
    before_first = [any(abs(t - (starts[0] - 0.12)) < 1e-6 for t in blink_timing.blink_times(10.0, s, 60.0, starts))
                    for s in range(30)]
    assert sum(before_first) >= 10
    assert blinks.make_blinks(scene, obj, seed=1) >= 1


def test_a_line_baked_after_the_blinks_leaves_the_eyes_to_them(tmp_path_factory):
    from blender_addon import bake, blinks, compat

    scene, obj, result = ten_seconds_and_a_line(tmp_path_factory)
    blinks.make_blinks(scene, obj, seed=5, interval=1.5, darts=False)
    open_eyes = play(scene, obj, "eyeBlinkLeft", range(1, 241))
    report = bake.bake_result(scene, obj, result, "Line 01", 1)  # a track above the blinks' tracks
    paths = {c.data_path for c in compat.action_fcurves(bpy.data.actions[report.action_name])}
    assert 'key_blocks["jawOpen"].value' in paths and not any("eye" in p or "brow" in p for p in paths)
    np.testing.assert_allclose(play(scene, obj, "eyeBlinkLeft", range(1, 241)), open_eyes, atol=1e-6)
    assert open_eyes.max() > 0.95
