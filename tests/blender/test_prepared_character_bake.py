"""A prepared character baked end to end in real Blender against the real backend, with real speech:
its separate teeth mesh (selected with the face at Fit) follows the face's jawOpen in a bake through drivers,
the user's own key on the teeth kept; and the line's vertex motion (Basis Keys), carried over through the
character's correspondence, opens its mouth frame by frame as the default head's opens (truth by construction:
the character is the head's skin decimated, turned and ten times larger)."""

import os
import shutil
import subprocess

import bpy
import numpy as np
import pytest

from tests.blender.test_panel import addon  # noqa: F401  (the registered add-on fixture)
from tests.blender.test_prepare_character import backend, head_character, mesh_object  # noqa: F401

LINE = "Bob made a map of the moon, and we ate apples by the sea."
TEETH_SHIFT = np.array([0.5, -0.25, 0.0])  # the teeth object sits elsewhere; its mesh is moved back to match


def evaluated_vertices(obj) -> np.ndarray:
    evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get())
    mesh = evaluated.to_mesh()
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    evaluated.to_mesh_clear()
    return co.reshape(-1, 3)


def frames_of(action) -> range:
    start = int(action["lipwright_frame_start"])
    from blender_addon import compat

    end = max(int(curve.range()[1]) for curve in compat.action_fcurves(action))
    return range(start, start + end + 1)


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_teeth_follow_the_jaw_and_vertex_motion_opens_the_mouth_as_the_heads(addon, backend, head_character,
                                                                              tmp_path):
    from blender_addon import character_keys, character_parts, compat, landmark_empties, properties

    assert shutil.which("espeak-ng"), "espeak-ng is not installed"
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    teeth = mesh_object("Teeth", head_character["teeth_vertices"] - TEETH_SHIFT, head_character["teeth_triangles"])
    teeth.location = TEETH_SHIFT
    teeth.shape_key_add(name="Basis", from_mix=False)
    own = teeth.shape_key_add(name="jawForward", from_mix=False)  # the user's own key with an ARKit name
    own_co = head_character["teeth_vertices"].astype(np.float32) - TEETH_SHIFT.astype(np.float32) + 0.01
    own.data.foreach_set("co", own_co.ravel())
    face = mesh_object("Character", head_character["vertices"], head_character["triangles"])
    teeth.select_set(True)  # the teeth selected, the face active: the teeth go with the fit
    truth = head_character["landmarks"]
    landmark_empties.store_landmarks(face, truth, "detected")
    state = bpy.context.window_manager.lipwright_prepare

    assert bpy.ops.lipwright.fit_character() == {"FINISHED"}, state.last_error
    assert "'Teeth' (upper teeth, lower teeth) follows" in state.last_report, state.last_report
    blocks = teeth.data.shape_keys.key_blocks
    assert "jawOpen" in blocks and "mouthSmileLeft" not in blocks  # only the keys that move the teeth
    record = character_parts.part_record(teeth)
    assert record["kept_keys"] == ["jawForward"] and "jawOpen" in record["created_keys"]
    drivers = {curve.data_path for curve in teeth.data.shape_keys.animation_data.drivers}
    assert 'key_blocks["jawOpen"].value' in drivers and 'key_blocks["jawForward"].value' not in drivers
    co = np.empty(len(blocks["jawForward"].data) * 3, np.float32)
    blocks["jawForward"].data.foreach_get("co", co)
    np.testing.assert_array_equal(co.reshape(-1, 3), own_co)  # the user's key is as it was
    assert isinstance(face.data[character_keys.CORRESPONDENCE_KEY], bytes)
    assert ("LINKED", "'Teeth' follows the face (upper teeth, lower teeth)") in character_keys.report_lines(face)

    wav = tmp_path / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), LINE], check=True, capture_output=True)
    compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
    settings = scene.lipwright
    settings.target, settings.sound_strip = face, "Line 01"
    compat.find_strip(scene, "Line 01")[properties.TRANSCRIPT_KEY] = LINE
    job = bpy.context.window_manager.lipwright_job

    # 1. The default model's weights drive the face's generated keys; the teeth follow through their drivers.
    assert bpy.ops.lipwright.generate() == {"FINISHED"}, job.last_error
    assert not job.last_error and "ARKit keys" in job.last_report, (job.last_error, job.last_report)
    action = bpy.data.actions["Lipwright Line 01"]
    names = [str(name) for name in head_character["target_names"]]
    face_keys = face.data.shape_keys.key_blocks
    teeth_rest = evaluated_vertices(teeth)
    lower, upper = head_character["lower_teeth_rows"], head_character["upper_teeth_rows"]
    weights, jaw, lower_moved, upper_moved = [], [], [], []
    for frame in frames_of(action):
        scene.frame_set(frame)
        weights.append([face_keys[name].value for name in names])
        jaw.append(face_keys["jawOpen"].value)
        moved = np.linalg.norm(evaluated_vertices(teeth) - teeth_rest, axis=1)
        lower_moved.append(moved[lower].max())
        upper_moved.append(moved[upper].max())
    width = np.linalg.norm(truth["mouth_corner_left"] - truth["mouth_corner_right"])
    jaw, lower_moved = np.array(jaw), np.array(lower_moved)
    assert jaw.max() > 0.2, "the line never opens the jaw"
    assert lower_moved.max() > 0.05 * width, f"the lower teeth move only {lower_moved.max() / width:.3f} mouth widths"
    assert max(upper_moved) < 0.01 * lower_moved.max()  # the upper teeth stay with the skull
    assert np.corrcoef(jaw, lower_moved)[0, 1] > 0.9

    # 2. The same line as vertex motion (Basis Keys): carried through the correspondence, the character's lips
    # part frame by frame as the head's own lip midpoints do with the same weights.
    settings.bake_mode = "BASIS"
    assert bpy.ops.lipwright.generate() == {"FINISHED"}, job.last_error
    assert not job.last_error and "basis keys" in job.last_report, (job.last_error, job.last_report)
    basis = evaluated_vertices(face)
    seam = [int(np.argmin(np.linalg.norm(basis - truth[name], axis=1))) for name in ("lip_upper_mid", "lip_lower_mid")]
    lips_rest = np.array([truth["lip_upper_mid"], truth["lip_lower_mid"]])
    expected, measured, basis_lower = [], [], []
    for frame, unit_weights in zip(frames_of(bpy.data.actions["Lipwright Line 01"]), weights):
        scene.frame_set(frame)
        assert all(face_keys[name].value == 0.0 for name in names)  # the ARKit bake is gone; basis keys play
        lips = lips_rest + np.einsum("k,kpd->pd", np.array(unit_weights), head_character["lip_targets"])
        expected.append(np.linalg.norm(lips[1] - lips[0]) - np.linalg.norm(lips_rest[1] - lips_rest[0]))
        vertices = evaluated_vertices(face)[seam]
        measured.append(np.linalg.norm(vertices[1] - vertices[0]) - np.linalg.norm(basis[seam[1]] - basis[seam[0]]))
        basis_lower.append(np.linalg.norm(evaluated_vertices(teeth) - teeth_rest, axis=1)[lower].max())
    expected, measured = np.array(expected), np.array(measured)
    assert expected.max() > 0.1 * width, "the head's own mouth hardly opens on this line"
    assert np.corrcoef(expected, measured)[0, 1] > 0.95
    assert np.abs(measured - expected).max() < 0.05 * width, np.abs(measured - expected).max() / width
    # The teeth follow the Basis Keys line as they followed its weights: the model's own jaw weights came with it.
    np.testing.assert_allclose(basis_lower, lower_moved, atol=0.01 * width)


@pytest.mark.sound_strips
def test_a_vertex_space_model_picks_basis_keys_and_sends_the_prepared_characters_correspondence(addon, tmp_path):
    import io
    import json

    from blender_addon import bake, character_keys, compat, operators, properties
    from tests.blender.conftest import grid_mesh

    wav = tmp_path / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), "Bob"], check=True, capture_output=True)
    scene = bpy.context.scene
    strip = compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
    face = grid_mesh("Face", key_names=("jawOpen", "mouthClose", "mouthFunnel", "mouthSmileLeft"))
    face[character_keys.FIT_KEY] = json.dumps({"vertex_count": len(face.data.vertices), "created_keys": []})
    face.data[character_keys.CORRESPONDENCE_KEY] = b"PK\0the stored fit"
    properties.set_models([{"name": "phonemes", "available": True},
                           {"name": "studio-run", "available": True, "motion_space": "vertices",
                            "template": "default-head", "speakers": []}])
    settings = scene.lipwright
    settings.target = face
    try:
        settings.model = "studio-run"
        spec = operators.job_spec(bpy.context, strip)
        assert spec.mode == "BASIS"
        with np.load(io.BytesIO(spec.request), allow_pickle=False) as request:
            assert request["correspondence"].tobytes() == b"PK\0the stored fit"
            assert len(request["vertices"]) == len(face.data.vertices)
        settings.bake_mode = "ARKIT"
        with pytest.raises(bake.BakeError, match="gives no ARKit weights; use Basis mode"):
            operators.job_spec(bpy.context, strip)
        # A weights model drives the prepared character's own keys: no mesh, no correspondence.
        settings.bake_mode, settings.model = "AUTO", "phonemes"
        assert operators.job_spec(bpy.context, strip).mode == "ARKIT"
        # Vertices added since the fit: the stored correspondence is stale and is not sent.
        settings.model = "studio-run"
        face.data.vertices.add(1)
        with np.load(io.BytesIO(operators.job_spec(bpy.context, strip).request), allow_pickle=False) as request:
            assert "correspondence" not in request.files
    finally:
        properties.set_models([{"name": "phonemes", "available": True}])


def test_the_panel_names_the_selected_parts_that_go_with_the_fit(addon):
    from tests.blender.conftest import grid_mesh
    from tests.blender.test_panel import RecordingLayout

    teeth, eyes = grid_mesh("Teeth"), grid_mesh("Eyes")
    face = grid_mesh("Face")
    for obj in (teeth, eyes, face):
        obj.select_set(True)
    bpy.context.view_layer.objects.active = face
    record = []
    bpy.types.LIPWRIGHT_PT_prepare.draw(type("Panel", (), {"layout": RecordingLayout(record)})(), bpy.context)
    assert ("label", "Separate parts: Teeth, Eyes") in record or ("label", "Separate parts: Eyes, Teeth") in record


def test_a_selected_mesh_that_is_no_part_of_the_face_fails_the_fit_by_name_and_nothing_is_written(addon, backend,
                                                                                                  head_character):
    from blender_addon import character_keys, character_parts, landmark_empties

    far = head_character["teeth_vertices"] + 20.0  # twenty units away: a prop, not the character's teeth
    prop = mesh_object("Prop", far, head_character["teeth_triangles"])
    face = mesh_object("Character", head_character["vertices"], head_character["triangles"])
    prop.select_set(True)
    landmark_empties.store_landmarks(face, head_character["landmarks"], "detected")
    state = bpy.context.window_manager.lipwright_prepare
    with pytest.raises(RuntimeError, match="No piece of 'Prop' lies where the fit puts the teeth, tongue or eyes"):
        bpy.ops.lipwright.fit_character()
    assert "give only the character's teeth, tongue and eye meshes" in state.last_error
    assert face.data.shape_keys is None and prop.data.shape_keys is None
    assert character_keys.FIT_KEY not in face and character_parts.PART_KEY not in prop


def test_a_part_scaled_to_nothing_is_refused_before_anything_is_sent(addon):
    from blender_addon import landmark_empties
    from tests.blender.conftest import grid_mesh

    flat = grid_mesh("Teeth")
    flat.scale = (1.0, 0.0, 1.0)
    face = grid_mesh("Face")
    for obj in (flat, face):
        obj.select_set(True)
    bpy.context.view_layer.objects.active = face
    landmark_empties.store_landmarks(face, {"chin": [0.0, -0.5, 0.0]}, "detected")
    with pytest.raises(RuntimeError, match="'Teeth' is scaled to nothing"):
        bpy.ops.lipwright.fit_character()
    assert "scaled to nothing" in bpy.context.window_manager.lipwright_prepare.last_error
    assert face.data.shape_keys is None


@pytest.fixture()
def jaw_run_models(tmp_path, monkeypatch):
    """A models folder holding a tiny vertex-space run on the default head that opens the jaw with its audio
    (tests/blender/jaw_run.py), for a backend the add-on starts afresh."""
    from blender_addon import backend_process
    from tests.blender.test_prepare_character import BACKEND_PYTHON, REPO

    models = tmp_path / "models"
    done = subprocess.run([BACKEND_PYTHON, str(REPO / "tests" / "blender" / "jaw_run.py"), str(models / "jaw-run")],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=f"{REPO / 'backend'}{os.pathsep}{REPO}"))
    assert done.returncode == 0, done.stderr[-3000:]
    monkeypatch.setenv("LIPWRIGHT_MODELS_DIR", str(models))
    backend_process.stop_local_backend()  # one started by an earlier test knows other models
    yield models
    backend_process.stop_local_backend()


def lip_gap_and_teeth(face, teeth, rows, truth, frames) -> tuple:
    """Per frame: how far the lips part beyond rest, how far the lower and the upper teeth moved (most)."""
    scene = bpy.context.scene
    scene.frame_set(frames[0] - 20)  # before the line: everything at rest
    face_rest, teeth_rest = evaluated_vertices(face), evaluated_vertices(teeth)
    seam = [int(np.argmin(np.linalg.norm(face_rest - truth[name], axis=1))) for name in ("lip_upper_mid",
                                                                                          "lip_lower_mid")]
    gap_rest = np.linalg.norm(face_rest[seam[1]] - face_rest[seam[0]])
    gaps, lower, upper = [], [], []
    for frame in frames:
        scene.frame_set(frame)
        lips = evaluated_vertices(face)[seam]
        moved = np.linalg.norm(evaluated_vertices(teeth) - teeth_rest, axis=1)
        gaps.append(np.linalg.norm(lips[1] - lips[0]) - gap_rest)
        lower.append(moved[rows[0]].max())
        upper.append(moved[rows[1]].max())
    return np.array(gaps), np.array(lower), np.array(upper)


@pytest.mark.sound_strips
def test_separate_teeth_follow_a_vertex_space_line_baked_as_basis_keys(addon, backend, head_character,
                                                                      jaw_run_models, tmp_path):
    from blender_addon import bake, compat, landmark_empties, part_follow, properties

    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    teeth = mesh_object("Teeth", head_character["teeth_vertices"], head_character["teeth_triangles"])
    teeth.shape_key_add(name="Basis", from_mix=False)
    own = teeth.shape_key_add(name="jawForward", from_mix=False)  # the user's own key with an ARKit name
    own_co = head_character["teeth_vertices"].astype(np.float32) + 0.01
    own.data.foreach_set("co", own_co.ravel())
    own.value = 0.25
    face = mesh_object("Character", head_character["vertices"], head_character["triangles"])
    teeth.select_set(True)
    truth = head_character["landmarks"]
    landmark_empties.store_landmarks(face, truth, "detected")
    state = bpy.context.window_manager.lipwright_prepare
    assert bpy.ops.lipwright.fit_character() == {"FINISHED"}, state.last_error
    assert "jawOpen" in part_follow.followed_units(face.data.shape_keys)

    wav = tmp_path / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), LINE], check=True, capture_output=True)
    compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
    settings = scene.lipwright
    settings.target, settings.sound_strip = face, "Line 01"
    job = bpy.context.window_manager.lipwright_job
    assert bpy.ops.lipwright.refresh_models() == {"FINISHED"} and not job.last_error, job.last_error
    assert properties.model_motion_space("jaw-run") == "vertices"
    settings.model = "jaw-run"
    bpy.ops.ed.undo_push(message="Fitted")

    # The run's vertex motion is baked as Basis Keys (AUTO, for a vertex-space model); the face's ARKit keys
    # stay at 0, yet the lower teeth open with the lips frame by frame and the upper teeth stay.
    assert bpy.ops.lipwright.generate() == {"FINISHED"}, job.last_error
    assert not job.last_error and "basis keys" in job.last_report, (job.last_error, job.last_report)
    action = bpy.data.actions["Lipwright Line 01"]
    frames = frames_of(action)
    rows = (head_character["lower_teeth_rows"], head_character["upper_teeth_rows"])
    gaps, lower, upper = lip_gap_and_teeth(face, teeth, rows, truth, frames)
    width = np.linalg.norm(truth["mouth_corner_left"] - truth["mouth_corner_right"])
    assert gaps.max() > 0.1 * width, "the run hardly opens the mouth"
    assert lower.max() > 0.05 * width, f"the lower teeth move only {lower.max() / width:.3f} mouth widths"
    assert np.corrcoef(gaps, lower)[0, 1] > 0.9
    assert upper.max() < 0.01 * lower.max()
    face_keys = face.data.shape_keys.key_blocks
    assert all(face_keys[name].value == 0.0 for name in head_character["target_names"])
    blocks = teeth.data.shape_keys.key_blocks
    assert blocks["jawForward"].value == 0.25  # the user's key: as it was, undriven, unkeyed
    co = np.empty(len(own_co) * 3, np.float32)
    blocks["jawForward"].data.foreach_get("co", co)
    np.testing.assert_array_equal(co.reshape(-1, 3), own_co)
    assert teeth.data.shape_keys.animation_data.drivers.find('key_blocks["jawForward"].value') is None
    assert teeth.data.shape_keys.animation_data.action is None and not teeth.data.shape_keys.animation_data.nla_tracks

    # Undo takes the whole bake back: the teeth rest at every frame.
    bpy.ops.ed.undo_push(message="Baked")
    assert bpy.ops.ed.undo() == {"FINISHED"}
    face, teeth = bpy.data.objects["Character"], bpy.data.objects["Teeth"]
    assert "Lipwright Line 01" not in bpy.data.actions
    assert np.abs(lip_gap_and_teeth(face, teeth, rows, truth, frames)[1]).max() < 1e-6

    # A re-bake keys the parts once, on the line's own track; removing the line leaves nothing behind.
    bpy.context.scene.lipwright.target = face
    for _ in range(2):
        assert bpy.ops.lipwright.generate() == {"FINISHED"}, job.last_error
    keys = face.data.shape_keys
    tracks = bake.lipwright_tracks(face)
    assert len(tracks) == 1
    line = next(iter(tracks))
    paths = [curve.data_path for curve in compat.action_fcurves(tracks[line].strips[0].action)]
    assert paths.count(part_follow.data_path("jawOpen")) == 1
    assert np.corrcoef(*lip_gap_and_teeth(face, teeth, rows, truth, frames)[:2])[0, 1] > 0.9
    assert bake.remove_bake(face, line)
    assert all(keys[part_follow.property_name(unit)] == 0.0 for unit in part_follow.followed_units(keys))
    assert not [block.name for block in keys.key_blocks if block.name.startswith(bake.BASIS_KEY_PREFIX)]
    assert keys.animation_data is None or not keys.animation_data.nla_tracks
    assert np.abs(lip_gap_and_teeth(face, teeth, rows, truth, frames)[1]).max() < 1e-6
