"""Prepare Character in real Blender against the real backend: find landmarks, move one, fit, get the 52
ARKit keys (jawOpen opens the mouth), keep the user's keys, modifiers and animation, bake a spoken line onto
the new keys; a mesh without a face is refused with nothing changed; the preview slider leaves no trace.

The backend runs in its own Python ($LIPWRIGHT_BACKEND_PYTHON, default the repo's .venv), started by the
add-on itself; in background mode its jobs run synchronously."""

import json
import os
import subprocess
from pathlib import Path

import bpy
import numpy as np
import pytest

from tests.blender.real_line import animate_line
from tests.blender.test_panel import addon  # noqa: F401  (the registered add-on fixture)

REPO = Path(__file__).resolve().parents[2]
BACKEND_PYTHON = os.environ.get("LIPWRIGHT_BACKEND_PYTHON", str(REPO / ".venv" / "bin" / "python"))


@pytest.fixture()
def backend(monkeypatch):
    from blender_addon import backend_process

    monkeypatch.setenv("LIPWRIGHT_BACKEND_PYTHON", BACKEND_PYTHON)
    monkeypatch.setenv("PYTHONPATH", str(REPO / "backend"))
    backend_process.stop_local_backend()
    yield
    backend_process.stop_local_backend()


def made_by_backend(script: str, out) -> dict:
    """The arrays a tests/blender script run by the backend's Python writes, its landmarks as a dict."""
    done = subprocess.run([BACKEND_PYTHON, str(REPO / "tests" / "blender" / script), str(out)],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=f"{REPO / 'backend'}{os.pathsep}{REPO}"))
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as data:
        return {**{key: data[key] for key in data.files},
                "landmarks": dict(zip(data["landmark_names"].tolist(), data["landmark_points"]))}


@pytest.fixture(scope="module")
def head_character(tmp_path_factory) -> dict:
    # Also the head's teeth and its lip motion per unit (head_character.py).
    return made_by_backend("head_character.py", tmp_path_factory.mktemp("character") / "character.npz")


def mesh_object(name, vertices, triangles):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(np.asarray(vertices).tolist(), [], np.asarray(triangles).tolist())
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    for other in bpy.context.view_layer.objects.selected:
        other.select_set(False)
    bpy.context.view_layer.objects.active = obj
    obj.select_set(True)
    return obj


def user_character(data):
    """The head character as an animator's: own keys (one with an ARKit name), an Armature and a
    Subdivision modifier, keyframed object and shape-key animation."""
    obj = mesh_object("Character", data["vertices"], data["triangles"])
    obj.shape_key_add(name="Basis", from_mix=False)
    for name, shift in (("Smirk", 0.02), ("eyeBlinkLeft", -0.03)):
        block = obj.shape_key_add(name=name, from_mix=False)
        co = np.asarray(data["vertices"], np.float32).copy()
        co[:, 2] += shift
        block.data.foreach_set("co", co.ravel())
    keys = obj.data.shape_keys
    keys.key_blocks["Smirk"].value = 0.25
    keys.key_blocks["Smirk"].keyframe_insert("value", frame=1)
    keys.key_blocks["Smirk"].value = 0.75
    keys.key_blocks["Smirk"].keyframe_insert("value", frame=20)
    obj.keyframe_insert("location", frame=1)
    obj.location.x = 2.0
    obj.keyframe_insert("location", frame=30)
    rig = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    bpy.context.scene.collection.objects.link(rig)
    armature = obj.modifiers.new("Armature", "ARMATURE")
    armature.object = rig
    obj.modifiers.new("Subdivision", "SUBSURF").levels = 1
    obj.active_shape_key_index = 1
    return obj


def snapshot(obj) -> dict:
    """What the user made: every key's name, values and coordinates, the modifiers, the animation."""
    from blender_addon import compat

    keys = obj.data.shape_keys
    blocks = {}
    for block in keys.key_blocks:
        co = np.empty(len(block.data) * 3, np.float32)
        block.data.foreach_get("co", co)
        blocks[block.name] = (block.value, block.mute, block.relative_key.name, co)
    curves = {}
    for owner in (obj, keys):
        action = owner.animation_data.action if owner.animation_data else None
        for curve in compat.action_fcurves(action) if action is not None else ():
            points = np.empty(len(curve.keyframe_points) * 2, np.float32)
            curve.keyframe_points.foreach_get("co", points)
            curves[(owner.name, curve.data_path, curve.array_index)] = points
    return {"blocks": blocks, "order": [b.name for b in keys.key_blocks],
            "modifiers": [(m.name, m.type) for m in obj.modifiers], "curves": curves,
            "active": obj.active_shape_key_index}


def assert_user_work_kept(before, after):
    assert after["order"][:len(before["order"])] == before["order"], "the user's keys moved"
    for name, (value, mute, relative, co) in before["blocks"].items():
        now = after["blocks"][name]
        assert (now[0], now[1], now[2]) == (value, mute, relative), name
        np.testing.assert_array_equal(now[3], co, err_msg=f"the user's key {name} changed")
    assert after["modifiers"] == before["modifiers"]
    assert after["active"] == before["active"]
    assert set(before["curves"]) <= set(after["curves"])
    for key, points in before["curves"].items():
        np.testing.assert_array_equal(after["curves"][key], points, err_msg=f"the user's animation {key} changed")


def key_coordinates(obj, name):
    block = obj.data.shape_keys.key_blocks[name]
    co = np.empty(len(block.data) * 3, np.float32)
    block.data.foreach_get("co", co)
    return co.reshape(-1, 3)


def test_find_move_fit_gives_keys_that_open_the_mouth_and_keep_the_users_work(addon, backend, head_character, tmp_path):
    from blender_addon import bake, character_keys, landmark_empties
    from blender_addon.arkit_names import ARKIT_NAMES

    state = bpy.context.window_manager.lipwright_prepare
    obj = user_character(head_character)
    bpy.context.scene.frame_set(1)
    before = snapshot(obj)

    assert bpy.ops.lipwright.find_landmarks() == {"FINISHED"}, state.last_error
    assert not state.last_error, state.last_error
    assert "landmarks" in state.last_report
    empties = landmark_empties.landmark_empties(obj)
    assert {"lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right", "chin"} <= set(empties)
    collection = bpy.data.collections[landmark_empties.collection_name(obj)]
    assert all(empty.name in collection.objects and empty.parent == obj for empty in empties.values())
    truth = head_character["landmarks"]
    width = np.linalg.norm(truth["mouth_corner_left"] - truth["mouth_corner_right"])
    stored = landmark_empties.stored_landmarks(obj)
    assert np.linalg.norm(stored["lip_upper_mid"] - truth["lip_upper_mid"]) < 0.3 * width
    assert_user_work_kept(before, snapshot(obj))

    # The user nudges the chin empty; the fit uses where it is now (in the character's space).
    chin = empties["chin"]
    chin.location.z -= 0.03 * width
    moved_chin = np.array(chin.location)
    assert bpy.ops.lipwright.fit_character() == {"FINISHED"}, state.last_error
    assert not state.last_error, state.last_error
    names = [block.name for block in obj.data.shape_keys.key_blocks]
    assert set(ARKIT_NAMES) <= set(names)
    assert len(names) == len(before["order"]) + len(ARKIT_NAMES) - 1  # eyeBlinkLeft was the user's: kept
    assert_user_work_kept(before, snapshot(obj))
    fit = character_keys.earlier_fit(obj)
    assert fit["kept_keys"] == ["eyeBlinkLeft"] and len(fit["created_keys"]) == 51
    np.testing.assert_allclose(fit["landmarks"]["chin"], moved_chin, atol=1e-5)
    assert len(obj.data[character_keys.CORNERS_KEY]) == 3 * len(obj.data.vertices)
    assert "kept 1 existing" in state.last_report

    # jawOpen parts the lips by a measurable amount.
    basis = key_coordinates(obj, "Basis")
    jaw = key_coordinates(obj, "jawOpen")
    upper = np.argmin(np.linalg.norm(basis - truth["lip_upper_mid"], axis=1))
    lower = np.argmin(np.linalg.norm(basis - truth["lip_lower_mid"], axis=1))
    opened = np.linalg.norm(jaw[lower] - jaw[upper]) - np.linalg.norm(basis[lower] - basis[upper])
    assert opened > 0.15 * width, f"jawOpen parts the lips by only {opened / width:.2f} mouth widths"
    assert np.abs(key_coordinates(obj, "mouthClose") - basis).max() > 0

    # A second fit does not overwrite anything silently: refused, nothing written...
    keys_before = snapshot(obj)
    with pytest.raises(RuntimeError, match="already has all 52"):
        bpy.ops.lipwright.fit_character()
    assert "already has all 52" in state.last_error
    assert_user_work_kept(keys_before, snapshot(obj))
    # ...unless asked to remake the earlier fit's keys; the user's own stays.
    obj.lipwright_character.replace_earlier = True
    assert bpy.ops.lipwright.fit_character() == {"FINISHED"}, state.last_error
    assert "remade 51" in state.last_report
    np.testing.assert_array_equal(key_coordinates(obj, "eyeBlinkLeft"), before["blocks"]["eyeBlinkLeft"][3].reshape(-1, 3))

    # The existing bake path now finds the ARKit keys and keys them from a spoken line.
    _, result = animate_line(tmp_path)
    assert bake.choose_mode(obj, result, "AUTO") == "ARKIT"
    report = bake.bake_result(bpy.context.scene, obj, result, "Line 01", 1)
    from blender_addon import compat

    baked = {curve.data_path: curve for track in obj.data.shape_keys.animation_data.nla_tracks
             for strip in track.strips if strip.action is not None for curve in compat.action_fcurves(strip.action)}
    jaw_curve = baked['key_blocks["jawOpen"].value']
    values = np.empty(len(jaw_curve.keyframe_points) * 2, np.float32)
    jaw_curve.keyframe_points.foreach_get("co", values)
    assert np.ptp(values.reshape(-1, 2)[:, 1]) > 0.1, report.summary()
    assert_user_work_kept(before, snapshot(obj))


def test_a_mesh_without_a_face_is_refused_and_nothing_changes(addon, backend):
    from blender_addon import landmark_empties

    state = bpy.context.window_manager.lipwright_prepare
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.active_object
    collections, objects = len(bpy.data.collections), len(bpy.data.objects)
    with pytest.raises(RuntimeError, match="too few"):
        bpy.ops.lipwright.find_landmarks()
    assert "too few" in state.last_error and "vertices" in state.last_error
    bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=3)
    sphere = bpy.context.active_object
    with pytest.raises(RuntimeError, match="no face found"):
        bpy.ops.lipwright.find_landmarks()
    assert "no face found" in state.last_error and "place the landmarks by hand" in state.last_error
    for obj in (cube, sphere):
        assert landmark_empties.LANDMARKS_KEY not in obj and obj.data.shape_keys is None
    assert len(bpy.data.collections) == collections and len(bpy.data.objects) == objects + 1  # just the sphere


def test_meshes_without_faces_or_with_too_many_vertices_are_refused_before_sending(addon):
    state = bpy.context.window_manager.lipwright_prepare
    loose = mesh_object("Loose", [(0, 0, 0), (1, 0, 0), (0, 1, 0)], [])
    with pytest.raises(RuntimeError, match="has no faces"):
        bpy.ops.lipwright.find_landmarks()
    assert "pick the head's mesh" in state.last_error
    loose.data.vertices.add(300_000)
    with pytest.raises(RuntimeError, match="300,003 vertices"):
        bpy.ops.lipwright.find_landmarks()
    assert "up to 250,000" in state.last_error and loose.data.shape_keys is None


def test_a_mirrored_half_is_refused_with_the_fix(addon):
    state = bpy.context.window_manager.lipwright_prepare
    bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=3)
    bpy.context.active_object.modifiers.new("Mirror", "MIRROR")
    with pytest.raises(RuntimeError, match="Mirror modifier"):
        bpy.ops.lipwright.find_landmarks()
    assert "Mirror modifier" in state.last_error and "Apply the Mirror modifier" in state.last_error


def test_the_fit_waits_for_landmarks(addon):
    bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=3)
    assert not bpy.ops.lipwright.fit_character.poll()


def test_the_preview_plays_the_keys_and_returns_every_value(addon):
    from blender_addon import key_preview
    from tests.blender.conftest import grid_mesh

    names = ("Smile", "jawOpen", "mouthClose", "mouthFunnel", "mouthSmileLeft", "mouthSmileRight")
    obj = grid_mesh("Face", key_names=names)
    keys = obj.data.shape_keys.key_blocks
    keys["jawOpen"].value, keys["Smile"].value, keys["mouthSmileLeft"].value = 0.3, 0.6, 0.1
    before = {block.name: block.value for block in keys}
    settings = obj.lipwright_character
    seen = {name: 0.0 for name in key_preview.PREVIEW_KEYS}
    for amount in np.linspace(0.0, 1.0, 41)[1:-1]:
        settings.preview = float(amount)
        for name in seen:
            seen[name] = max(seen[name], keys[name].value)
        assert keys["Smile"].value == pytest.approx(0.6)  # only the preview's keys move
    assert all(value > 0.9 for value in seen.values()), seen
    settings.preview = 0.0
    assert {block.name: block.value for block in keys} == pytest.approx(before)
    assert key_preview.SAVED_KEY not in obj
    assert obj.data.shape_keys.animation_data is None  # nothing keyframed


def test_the_panel_shows_landmarks_progress_the_fit_report_and_the_preview(addon):
    import json as json_module

    from blender_addon import character_keys, landmark_empties
    from tests.blender.conftest import grid_mesh
    from tests.blender.test_panel import RecordingLayout

    def draw():
        record = []
        panel = type("Panel", (), {"layout": RecordingLayout(record)})()
        bpy.types.LIPWRIGHT_PT_prepare.draw(panel, bpy.context)
        return record

    assert ("label", "Select the character's face mesh") in draw()
    obj = grid_mesh("Face", key_names=("jawOpen",))
    bpy.context.view_layer.objects.active = obj
    record = draw()
    assert ("operator", "lipwright.find_landmarks") in record and ("operator", "lipwright.fit_character") in record
    assert ("prop", "preview") in record
    landmark_empties.store_landmarks(obj, {"chin": [0, 0, 0]}, "geometric", ["the chin is a guess"])
    obj[character_keys.FIT_KEY] = json_module.dumps({"report": {"poor_areas": ["nose", "chin"], "is_poor": True,
                                                                "warnings": ["The fit is poor at the nose, chin"],
                                                                "misplaced_landmarks": ["chin"]},
                                                     "created_keys": ["jawOpen"], "kept_keys": []})
    state = bpy.context.window_manager.lipwright_prepare
    state.running, state.progress, state.message = True, 0.5, "fitting the default head to the landmarks"
    record = draw()
    assert ("label", "1 landmarks, guessed from the shape: check them") in record
    assert ("label", "the chin is a guess") in record
    assert ("progress", "fitting the default head to the landmarks") in record
    assert ("label", "Poor fit at the nose, chin") in record
    assert ("label", "Landmark chin looks misplaced: drag it back onto its feature, then fit again") in record
    assert ("prop", "replace_earlier") in record
    state.running = False


def test_landmarks_survive_save_and_reload_and_the_fit_is_one_undo_step(addon, tmp_path):
    from blender_addon import landmark_empties, prepare_ops
    from tests.blender.conftest import grid_mesh

    assert "UNDO" in prepare_ops.LIPWRIGHT_OT_apply_fit.bl_options
    assert "UNDO" in prepare_ops.LIPWRIGHT_OT_place_landmarks.bl_options
    obj = grid_mesh("Face")
    obj.scale = (2.0, 2.0, 2.0)
    points = {"mouth_corner_left": [0.2, 0.0, 0.0], "mouth_corner_right": [-0.2, 0.0, 0.0], "chin": [0.0, -0.5, 0.1]}
    landmark_empties.store_landmarks(obj, points, "detected")
    landmark_empties.show_landmarks(obj, points, bpy.context.scene)
    landmark_empties.landmark_empties(obj)["chin"].location.y = -0.6  # the user moves it
    bpy.context.view_layer.objects.active = landmark_empties.landmark_empties(obj)["chin"]
    assert bpy.ops.lipwright.fit_character.poll()  # the moved empty stands for its character
    path = tmp_path / "character.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.open_mainfile(filepath=str(path))
    obj = bpy.data.objects["Face"]
    assert landmark_empties.stored_landmarks(obj)["mouth_corner_left"].tolist() == [0.2, 0.0, 0.0]
    current = landmark_empties.current_landmarks(obj)
    np.testing.assert_allclose(current["chin"], [0.0, -0.6, 0.1], atol=1e-6)  # object space, despite the scale
    assert set(bpy.data.collections[landmark_empties.collection_name(obj)].objects.keys()) == {
        landmark_empties.empty_name(obj, name) for name in points}


def test_landmarks_are_found_on_a_worker_thread_while_the_panel_shows_progress(addon, backend, head_character):
    """The interactive path: a worker thread talks to the backend, the timer callback (called here by the
    test, as Blender's event loop would: timers never fire in background mode) shows progress and then
    writes the landmarks through the undoable operator."""
    import time

    from blender_addon import character_jobs, landmark_empties, prepare_ops
    from blender_addon.preferences import backend_settings

    obj = mesh_object("Character", head_character["vertices"], head_character["triangles"])
    state = bpy.context.window_manager.lipwright_prepare
    job = prepare_ops.character_job(obj, "landmarks")
    poll = character_jobs.start(job, backend_settings(bpy.context).connect, prepare_ops.on_done,
                                prepare_ops.on_update, background=False)
    try:
        messages = set()
        while poll() is not None:
            if state.running:
                messages.add(state.message)
            time.sleep(0.05)
    finally:
        if bpy.app.timers.is_registered(poll):
            bpy.app.timers.unregister(poll)
    assert not state.running and not state.last_error, state.last_error
    assert any("orienting" in message or "landmarks" in message for message in messages), messages
    assert "lip_lower_mid" in landmark_empties.landmark_empties(obj)


def test_a_cancelled_fit_writes_nothing(addon, backend, head_character):
    import time

    from blender_addon import character_jobs, character_keys, landmark_empties, prepare_ops
    from blender_addon.preferences import backend_settings

    obj = mesh_object("Character", head_character["vertices"], head_character["triangles"])
    landmark_empties.store_landmarks(obj, head_character["landmarks"], "detected")
    state = bpy.context.window_manager.lipwright_prepare
    job = prepare_ops.character_job(obj, "fit")
    poll = character_jobs.start(job, backend_settings(bpy.context).connect, prepare_ops.on_done,
                                prepare_ops.on_update, background=False)
    try:
        while not job.job_id and not job.done:  # cancel once the backend has the job
            time.sleep(0.05)
        assert bpy.ops.lipwright.cancel_prepare() == {"FINISHED"}
        while poll() is not None:
            time.sleep(0.05)
    finally:
        if bpy.app.timers.is_registered(poll):
            bpy.app.timers.unregister(poll)
    assert job.state == "cancelled" and state.last_report == "Cancelled" and not state.last_error
    assert obj.data.shape_keys is None and character_keys.FIT_KEY not in obj
