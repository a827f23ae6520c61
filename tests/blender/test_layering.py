"""Layering invariants: a bake never destroys or hides the user's own animation (4.2, 4.5 and 5.0).

A few generated scenes: a face with ARKit keys, a blink on the user's NLA track, a smile on the
active action, lines baked and re-baked at random places, a tweak track the user puts above a line.
"""

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, set_fps

FACE_KEYS = ("jawOpen", "mouthClose", "mouthFunnel", "mouthSmileLeft", "eyeBlinkLeft", "browInnerUp")
DRIVEN_BY_LINES = ("jawOpen", "mouthClose", "mouthFunnel")  # what the generated lines move


def face(name="Face"):
    obj = grid_mesh(name=name, key_names=FACE_KEYS)
    for block in obj.data.shape_keys.key_blocks:
        block.value = 0.0  # Blender 5.0 starts new keys at 1.0
    return obj


def line_result(frames, seed, fps=24):
    """Weights for every ARKit name, nonzero only on the mouth units the line moves."""
    from blender_addon.arkit_names import ARKIT_NAMES

    rng = np.random.default_rng(seed)
    weights = np.zeros((frames, len(ARKIT_NAMES)), np.float32)
    t = np.linspace(0, np.pi, frames)
    for name in DRIVEN_BY_LINES:
        weights[:, ARKIT_NAMES.index(name)] = np.sin(t) * rng.uniform(0.3, 0.9)
    return {"weights": weights, "weight_names": list(ARKIT_NAMES), "fps": float(fps), "meta": {}}


def bake_line(scene, obj, result, strip_name, frame_start):
    from blender_addon import bake

    return bake.bake_result(scene, obj, result, strip_name, frame_start, mode="ARKIT")


def user_nla_blink(obj, frame):
    """The user's own blink, on an NLA track of theirs, made before any bake."""
    from blender_addon import compat

    keys = obj.data.shape_keys
    if keys.animation_data is None:
        keys.animation_data_create()
    action = bpy.data.actions.new("Blink")
    slot = compat.new_action_for(action, keys)
    curve = compat.new_fcurve(action, slot, 'key_blocks["eyeBlinkLeft"].value')
    for offset, value in ((0, 0.0), (4, 1.0), (8, 0.0)):
        curve.keyframe_points.insert(frame + offset, value)
    brow = compat.new_fcurve(action, slot, 'key_blocks["browInnerUp"].value')
    brow.keyframe_points.insert(frame, 0.5)
    track = keys.animation_data.nla_tracks.new()
    track.name = "User blink"
    strip = track.strips.new("Blink", frame, action)
    compat.assign_nla_strip_slot(strip, slot)
    strip.extrapolation = "HOLD_FORWARD"
    return track


def user_active_smile(obj):
    block = obj.data.shape_keys.key_blocks["mouthSmileLeft"]
    block.value = 0.25
    block.keyframe_insert("value", frame=1)
    block.value = 0.75
    block.keyframe_insert("value", frame=300)
    return obj.data.shape_keys.animation_data.action


def user_tweak_track(obj, line_track):
    """An additive tweak on jawOpen the user puts right above a line's track."""
    from blender_addon import compat

    keys = obj.data.shape_keys
    action = bpy.data.actions.new("Tweak")
    slot = compat.new_action_for(action, keys)
    curve = compat.new_fcurve(action, slot, 'key_blocks["jawOpen"].value')
    curve.keyframe_points.insert(1, 0.1)
    curve.keyframe_points.insert(400, 0.1)
    track = keys.animation_data.nla_tracks.new(prev=line_track)
    track.name = "My tweak"
    strip = track.strips.new("Tweak", 1, action)
    compat.assign_nla_strip_slot(strip, slot)
    strip.blend_type = "ADD"
    return track


def as_array(table):
    return np.array([list(row.values()) for row in table.values()])


def values_at(obj, frames, names):
    scene = bpy.context.scene
    table = {}
    for frame in frames:
        scene.frame_set(frame)
        table[frame] = {name: obj.data.shape_keys.key_blocks[name].value for name in names}
    return table


def track_names(obj):
    return [t.name for t in obj.data.shape_keys.animation_data.nla_tracks]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_users_blink_and_smile_play_through_bakes_and_rebakes(seed):
    from blender_addon import bake

    rng = np.random.default_rng(seed)
    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = face()
    blink_frame = int(rng.integers(20, 200))
    user_nla_blink(obj, blink_frame)
    smile = user_active_smile(obj)
    samples = sorted({1, 10, blink_frame + 2, blink_frame + 4, blink_frame + 30, *rng.integers(1, 320, 10).tolist()})
    user_keys = ("eyeBlinkLeft", "browInnerUp", "mouthSmileLeft")
    before = values_at(obj, samples, user_keys)
    assert any(v["eyeBlinkLeft"] > 0.4 for v in before.values())  # the scene really has a blink to lose

    starts = sorted(rng.choice(np.arange(5, 260, 40), size=2, replace=False).tolist())
    lines = [("A", starts[0], int(rng.integers(20, 35))), ("B", starts[1], int(rng.integers(20, 35)))]
    for name, start, frames in lines:
        bake_line(scene, obj, line_result(frames, seed), name, start)
    name, start, frames = lines[0]
    report = bake_line(scene, obj, line_result(frames + 5, seed + 7), name, start + 3)  # re-bake

    after = values_at(obj, samples, user_keys)
    np.testing.assert_allclose(as_array(after), as_array(before), atol=1e-6)  # same inside and outside lines
    keys = obj.data.shape_keys
    assert keys.animation_data.action == smile
    assert sorted(report.shape_keys) == sorted(DRIVEN_BY_LINES)  # silent units are not keyed
    assert track_names(obj)[0] == bake.BASE_TRACK  # the base sits below the user's track
    # Rest outside every line (4.x and 5.0 alike: 5.0's default of 1.0 must not leak through).
    covered = set()
    for _, start, frames in lines + [(name, start + 3, frames + 5)]:
        covered.update(range(start - bake.EASE_FRAMES, start + frames + bake.EASE_FRAMES + 5))
    outside = [f for f in range(1, 330, 7) if f not in covered]
    np.testing.assert_allclose(as_array(values_at(obj, outside, DRIVEN_BY_LINES)), 0.0)
    inside = values_at(obj, [start + 3 + (frames + 5) // 2], ["jawOpen"])
    assert list(inside.values())[0]["jawOpen"] > 0.2


@pytest.mark.parametrize("seed", [0, 1])
def test_a_tweak_track_above_a_line_stays_above_it_after_rebake(seed):
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = face()
    user_nla_blink(obj, 40)
    first = bake_line(scene, obj, line_result(30, seed), "Line 1", 50)
    bake_line(scene, obj, line_result(30, seed + 1), "Line 2", 120)
    line_track = obj.data.shape_keys.animation_data.nla_tracks[first.track_name]
    user_tweak_track(obj, line_track)
    order = track_names(obj)
    assert order.index("My tweak") == order.index(first.track_name) + 1

    bake_line(scene, obj, line_result(36, seed + 2), "Line 1", 60)

    assert track_names(obj) == order
    weights = line_result(36, seed + 2)["weights"]
    from blender_addon.arkit_names import ARKIT_NAMES

    jaw = weights[:, ARKIT_NAMES.index("jawOpen")]
    values = values_at(obj, [60 + 10, 20, 300], ["jawOpen"])
    assert values[70]["jawOpen"] == pytest.approx(jaw[10] + 0.1, abs=1e-4)  # the tweak still adds
    assert values[20]["jawOpen"] == pytest.approx(0.1, abs=1e-4)
    assert values[300]["jawOpen"] == pytest.approx(0.1, abs=1e-4)


def test_removing_every_line_leaves_only_the_users_animation():
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = face()
    user_nla_blink(obj, 30)
    bake_line(scene, obj, line_result(20, 0), "A", 10)
    bake_line(scene, obj, line_result(20, 1), "B", 60)
    assert bake.remove_bake(obj, "A") and bake.remove_bake(obj, "B")
    assert track_names(obj) == ["User blink"]
    assert not any(a.name.startswith("Lipwright") for a in bpy.data.actions)


def snapshot(obj):
    keys = obj.data.shape_keys
    anim = keys.animation_data
    return {
        "actions": sorted(a.name for a in bpy.data.actions),
        "keys": [(kb.name, kb.value) for kb in keys.key_blocks],
        "tracks": [] if anim is None else [(t.name, len(t.strips)) for t in anim.nla_tracks],
    }


def test_keys_driven_by_a_rig_are_refused_with_nothing_changed():
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = face()
    rig = bpy.data.objects.new("Rig controls", None)
    scene.collection.objects.link(rig)
    driver = obj.data.shape_keys.key_blocks["jawOpen"].driver_add("value").driver
    variable = driver.variables.new()
    variable.targets[0].id = rig
    variable.targets[0].data_path = "location.x"
    driver.expression = variable.name
    before = snapshot(obj)

    with pytest.raises(bake.BakeError, match="driven by drivers .*jawOpen.*rig's controls"):
        bake_line(scene, obj, line_result(20, 0), "A", 10)
    assert snapshot(obj) == before


def test_a_linked_character_is_refused_with_nothing_changed(tmp_path):
    from blender_addon import bake

    face(name="Linked face")
    library = tmp_path / "character.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(library))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    with bpy.data.libraries.load(str(library), link=True) as (source, target):
        target.objects = ["Linked face"]
    obj = target.objects[0]
    scene = bpy.context.scene
    set_fps(scene, 24)
    scene.collection.objects.link(obj)
    actions = sorted(a.name for a in bpy.data.actions)

    with pytest.raises(bake.BakeError, match="linked from .*Make Local"):
        bake_line(scene, obj, line_result(20, 0), "A", 10)
    assert sorted(a.name for a in bpy.data.actions) == actions
    assert obj.data.shape_keys.animation_data is None


LONG = "Ça va très bien — «naïve façade» du château, 日本語のせりふ"  # 71 bytes of UTF-8


@pytest.mark.parametrize("object_name", ["Visage é", "顔"])
def test_non_ascii_names_give_valid_distinct_tracks(object_name):
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = face(name=object_name)
    names = [LONG + " take 1", LONG + " take 2", "ünïcödé"]
    reports = [bake_line(scene, obj, line_result(20, i), name, 10 + 40 * i) for i, name in enumerate(names)]

    tracks = track_names(obj)  # reading the names must not raise (5.0: invalid UTF-8)
    assert len({r.track_name for r in reports}) == 3 and all(r.track_name in tracks for r in reports)
    for report in reports:
        assert len(report.track_name.encode("utf-8")) <= 63  # 5.0 allows longer ID names, not track names
        assert bpy.data.actions[report.action_name].name == report.action_name
    assert sorted(str(a["lipwright_strip"]) for a in bake.line_actions(obj)) == sorted(names)
    bake_line(scene, obj, line_result(25, 9), names[1], 50)  # a re-bake finds its own line
    assert len(bake.line_actions(obj)) == 3
    action = next(a for a in bake.line_actions(obj) if a["lipwright_strip"] == names[2])
    again = bake.bake_result(scene, obj, line_result(20, 5), **bake.line_placement(action))  # e.g. new intensity
    assert (again.strip_name, again.frame_start) == (names[2], 90) and len(bake.line_actions(obj)) == 3
    assert all(bake.remove_bake(obj, name) for name in names)
    assert bake.line_actions(obj) == []


def test_placing_the_base_moves_no_other_track():
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 24)
    other = face(name="Other face")
    user_nla_blink(other, 10)
    user_nla_blink(other, 40).name = "Second blink"
    for track in other.data.shape_keys.animation_data.nla_tracks:
        track.select = True  # selected tracks of another character must stay where they are
    obj = face()
    user_nla_blink(obj, 20).select = True

    bake_line(scene, obj, line_result(20, 0), "A", 30)

    assert track_names(other) == ["User blink", "Second blink"]
    assert all(t.select for t in other.data.shape_keys.animation_data.nla_tracks)
    assert track_names(obj) == [bake.BASE_TRACK, "User blink", "Lipwright A"]
    assert obj.data.shape_keys.animation_data.nla_tracks["User blink"].select
