"""bake.bake_result: ARKit keys from weights, basis keys from offsets, re-bakes and refusals."""

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, make_result, set_fps

ARKIT_STYLE_KEYS = (  # exporters' spellings: prefixes and case differ from Apple's names
    "A18_jawOpen", "mouthClose", "MOUTHFUNNEL", "arkit_mouthPucker", "BS_mouthSmileLeft", "mouthSmile_R",
    "blendShape.mouthPressLeft", "mouthPressRight", "Face.mouthRollLower", "mouthRollUpper", "cheekPuff",
)
ARKIT_OF_KEY = {
    "A18_jawOpen": "jawOpen", "mouthClose": "mouthClose", "MOUTHFUNNEL": "mouthFunnel",
    "arkit_mouthPucker": "mouthPucker", "BS_mouthSmileLeft": "mouthSmileLeft", "mouthSmile_R": "mouthSmileRight",
    "blendShape.mouthPressLeft": "mouthPressLeft", "mouthPressRight": "mouthPressRight",
    "Face.mouthRollLower": "mouthRollLower", "mouthRollUpper": "mouthRollUpper", "cheekPuff": "cheekPuff",
}


def evaluated_coordinates(obj, frame):
    scene = bpy.context.scene
    scene.frame_set(frame)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    evaluated = obj.evaluated_get(depsgraph)
    mesh = evaluated.to_mesh()
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    evaluated.to_mesh_clear()
    return co.reshape(-1, 3)


def curve_points(action, path):
    from blender_addon import compat

    curve = next(c for c in compat.action_fcurves(action) if c.data_path == path)
    co = np.empty(len(curve.keyframe_points) * 2, np.float32)
    curve.keyframe_points.foreach_get("co", co)
    return co.reshape(-1, 2)


def arkit_weights(frames, names):
    t = np.linspace(0, 1, frames)[:, None]
    return (0.5 + 0.45 * np.sin(2 * np.pi * (t * 3 + np.arange(len(names)) / len(names)))).astype(np.float32)


@pytest.mark.parametrize("fps, base", [(24, 1.0), (30, 1.001)])
def test_arkit_keys_are_keyframed_from_the_weights_at_the_strips_frames(fps, base):
    from blender_addon import bake
    from blender_addon.arkit_names import ARKIT_NAMES

    scene = bpy.context.scene
    set_fps(scene, fps, base)
    obj = grid_mesh(key_names=ARKIT_STYLE_KEYS + ("MyWink",))
    frames = 40
    weights = arkit_weights(frames, ARKIT_NAMES)
    result = make_result(frames, len(obj.data.vertices) + 7, fps / base, weights, ARKIT_NAMES)  # any topology

    report = bake.bake_result(scene, obj, result, "Line 01", 101)

    assert report.mode == "ARKIT"
    assert sorted(report.shape_keys) == sorted(ARKIT_STYLE_KEYS)
    assert (report.frame_start, report.frame_end) == (101, 140)
    action = bpy.data.actions[report.action_name]
    assert action.name == "Lipwright Line 01" and action["lipwright_strip"] == "Line 01"
    for key_name, arkit in ARKIT_OF_KEY.items():
        points = curve_points(action, f'key_blocks["{key_name}"].value')
        ease = bake.EASE_FRAMES  # the line eases in from rest and out to rest around its frames
        np.testing.assert_allclose(points[:, 0], np.concatenate(([101 - ease], np.arange(101, 141), [140 + ease])))
        np.testing.assert_allclose(points[1:-1, 1], weights[:, ARKIT_NAMES.index(arkit)], atol=1e-6)
        assert points[0, 1] == points[-1, 1] == 0.0
    keys = obj.data.shape_keys
    track = keys.animation_data.nla_tracks["Lipwright Line 01"]
    assert track.strips[0].extrapolation == "NOTHING" and track.strips[0].frame_start == 101 - bake.EASE_FRAMES
    assert keys.animation_data.action is None  # the user's active slot stays free
    jaw = ARKIT_NAMES.index("jawOpen")
    for frame in (101, 117, 140):
        scene.frame_set(frame)
        assert keys.key_blocks["A18_jawOpen"].value == pytest.approx(weights[frame - 101, jaw], abs=1e-5)
    for frame in (1, 97, 144, 300):  # rest outside the line, in 4.x and in 5.0 alike
        scene.frame_set(frame)
        assert keys.key_blocks["A18_jawOpen"].value == pytest.approx(0.0)
    assert "MyWink" not in report.shape_keys


@pytest.mark.parametrize("precomputed", [False, True], ids=["compressed-here", "compressed-by-the-job-thread"])
def test_basis_mode_reconstructs_the_offsets_when_evaluated(precomputed):
    from blender_addon import bake
    from blender_addon.basis import compress_to_basis

    scene = bpy.context.scene
    set_fps(scene, 25)
    obj = grid_mesh(size=8)
    obj.scale = (2.0, -1.0, 0.5)  # unapplied, mirrored: shape keys live in object space anyway
    vertex_count = len(obj.data.vertices)
    rng = np.random.default_rng(1)
    shapes = rng.normal(scale=0.02, size=(3, vertex_count * 3))
    values = rng.normal(size=(60, 3))
    offsets = (values @ shapes).reshape(60, vertex_count, 3).astype(np.float32)
    result = make_result(60, vertex_count, 25)
    result["offsets"] = offsets
    rest = np.array([v.co for v in obj.data.vertices], np.float32)

    basis = compress_to_basis(offsets) if precomputed else None
    report = bake.bake_result(scene, obj, result, "hello", 10, mode="AUTO", basis=basis)

    assert report.mode == "BASIS" and 1 <= len(report.shape_keys) <= 32
    assert report.energy_kept >= 0.995 and report.max_error < 2e-3
    key_blocks = obj.data.shape_keys.key_blocks
    assert key_blocks[0].name == "Basis"
    for name in report.shape_keys:
        assert name.startswith("LW hello ") and key_blocks[name].slider_min == -1.0
    action = bpy.data.actions[report.action_name]
    for name in report.shape_keys:
        assert np.abs(curve_points(action, f'key_blocks["{name}"].value')[:, 1]).max() <= 1.0 + 1e-6
    for index in (0, 17, 59):
        np.testing.assert_allclose(evaluated_coordinates(obj, 10 + index), rest + offsets[index], atol=2e-3)
    np.testing.assert_allclose(evaluated_coordinates(obj, 5), rest, atol=1e-6)  # before the line: rest


def snapshot(obj):
    keys = obj.data.shape_keys
    state = {"actions": sorted(a.name for a in bpy.data.actions), "keys": [], "tracks": [], "values": []}
    if keys is not None:
        state["keys"] = [(kb.name, kb.value, kb.slider_min) for kb in keys.key_blocks]
        if keys.animation_data is not None:
            state["tracks"] = [(t.name, [(s.name, s.frame_start, s.frame_end) for s in t.strips])
                               for t in keys.animation_data.nla_tracks]
            state["action"] = keys.animation_data.action and keys.animation_data.action.name
    return state


def user_animation(obj):
    """The user's own shape key 'Smile' with an active action keyed by hand."""
    block = obj.shape_key_add(name="Smile", from_mix=False)
    block.value = 0.25
    block.keyframe_insert("value", frame=1)
    block.value = 0.75
    block.keyframe_insert("value", frame=50)
    return obj.data.shape_keys.animation_data.action


def test_rebake_replaces_only_what_that_strip_made():
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 30)
    obj = grid_mesh(key_names=("Brow",))
    user_action = user_animation(obj)
    vertex_count = len(obj.data.vertices)
    first = bake.bake_result(scene, obj, make_result(30, vertex_count, 30, seed=1), "A", 1)
    second = bake.bake_result(scene, obj, make_result(20, vertex_count, 30, seed=2), "B", 100)
    before_b = {kb.name for kb in obj.data.shape_keys.key_blocks if kb.name.startswith("LW B")}

    again = bake.bake_result(scene, obj, make_result(45, vertex_count, 30, seed=3), "A", 200)

    keys = obj.data.shape_keys
    names = [kb.name for kb in keys.key_blocks]
    assert names[:3] == ["Basis", "Brow", "Smile"]
    assert before_b == {n for n in names if n.startswith("LW B")}
    assert set(again.shape_keys) == {n for n in names if n.startswith("LW A")}
    tracks = [t.name for t in keys.animation_data.nla_tracks]
    assert tracks.count("Lipwright A") == 1 and "Lipwright B" in tracks
    assert keys.animation_data.action == user_action
    assert [a.name for a in bpy.data.actions if a.get("lipwright_strip") == "A"] == ["Lipwright A"]
    assert keys.animation_data.nla_tracks["Lipwright A"].strips[0].frame_start == 200 - bake.EASE_FRAMES
    assert second.action_name in bpy.data.actions and first.frame_count == 30
    scene.frame_set(50)
    assert keys.key_blocks["Smile"].value == pytest.approx(0.75)

    assert bake.remove_bake(obj, "A") and bake.remove_bake(obj, "B")
    assert [kb.name for kb in keys.key_blocks] == ["Basis", "Brow", "Smile"]
    assert not any(a.name.startswith("Lipwright") for a in bpy.data.actions)
    assert len(keys.animation_data.nla_tracks) == 0 and keys.animation_data.action == user_action


def _bad_results(vertex_count):
    nan = make_result(10, vertex_count, 24)
    nan["offsets"][3, 2, 1] = np.nan
    wrong_vertices = make_result(10, vertex_count + 1, 24)
    wrong_fps = make_result(10, vertex_count, 25)
    flat = make_result(10, vertex_count, 24)
    flat["offsets"] = flat["offsets"].reshape(10, -1)
    return {"nan": (nan, "BASIS", "NaN"), "vertices": (wrong_vertices, "BASIS", "vertices"),
            "fps": (wrong_fps, "AUTO", "fps"), "shape": (flat, "AUTO", "3-D"),
            "no weights": (make_result(10, vertex_count, 24), "ARKIT", "ARKit")}


@pytest.mark.parametrize("case", ["nan", "vertices", "fps", "shape", "no weights", "weights shape"])
def test_an_invalid_result_changes_nothing(case):
    from blender_addon import bake
    from blender_addon.arkit_names import ARKIT_NAMES

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = grid_mesh(key_names=ARKIT_STYLE_KEYS)
    user_animation(obj)
    vertex_count = len(obj.data.vertices)
    bake.bake_result(scene, obj, make_result(10, vertex_count, 24, arkit_weights(10, ARKIT_NAMES), ARKIT_NAMES), "ok", 1)
    if case == "weights shape":
        result, mode, words = make_result(10, vertex_count, 24, np.zeros((9, 52)), ARKIT_NAMES), "AUTO", "weights"
    else:
        result, mode, words = _bad_results(vertex_count)[case]
    before = snapshot(obj)

    with pytest.raises(bake.BakeError, match=words):
        bake.bake_result(scene, obj, result, "ok", 1, mode=mode)

    assert snapshot(obj) == before


def test_long_strip_names_fit_blenders_name_limit():
    from blender_addon import bake

    scene = bpy.context.scene
    obj = grid_mesh()
    name = "Scene 12 - the very long dialogue line where everyone talks at once, take 3"
    report = bake.bake_result(scene, obj, make_result(5, len(obj.data.vertices), 24), name, 1)
    assert all(len(n) <= 63 for n in report.shape_keys + [report.action_name, report.track_name])
    assert bpy.data.actions[report.action_name]["lipwright_strip"] == name
    assert bake.remove_bake(obj, name)


def test_a_weights_only_result_drives_arkit_keys_and_is_refused_for_basis_keys():
    from blender_addon import bake
    from blender_addon.arkit_names import ARKIT_NAMES

    scene = bpy.context.scene
    set_fps(scene, 24)
    weights = arkit_weights(12, ARKIT_NAMES)
    result = make_result(12, 4, 24, weights, ARKIT_NAMES)
    del result["offsets"]  # what the add-on asks for when the face has ARKit keys ("offsets": false)

    face = grid_mesh(key_names=ARKIT_STYLE_KEYS)
    report = bake.bake_result(scene, face, result, "Line 02", 5)
    assert report.mode == "ARKIT" and (report.frame_start, report.frame_end) == (5, 16)

    plain = grid_mesh(name="Plain")
    before = snapshot(plain)
    with pytest.raises(bake.BakeError, match="no vertex offsets"):
        bake.bake_result(scene, plain, result, "Line 02", 5)
    assert snapshot(plain) == before


def test_a_result_is_cut_to_the_strips_visible_frames():
    from blender_addon import bake

    result = make_result(40, 4, 24, np.arange(80, dtype=np.float32).reshape(40, 2), ("jawOpen", "mouthClose"))
    cut, start = bake.trim_result(result, 100, 106, 130)  # frames 100..139 made; 106..129 visible
    assert start == 106 and cut["weights"].shape == (24, 2) and cut["offsets"].shape == (24, 4, 3)
    np.testing.assert_array_equal(cut["weights"][0], result["weights"][6])
    assert bake.trim_result(result, 100, 90, 200)[1] == 100  # nothing trimmed: unchanged
    assert result["weights"].shape == (40, 2)  # the input is not changed
