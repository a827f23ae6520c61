"""Apply Mirror and Prepare in real Blender against the real backend: a mirrored half of the default head, with
an Armature and a Subdivision modifier after its Mirror, two shape keys of the user's (one keyframed, one
driven) and a vertex group, becomes one whole face with 52 ARKit keys whose left and right differ; the user's
keys, animation, driver, vertex groups and other modifiers are kept and look as before. Without the choice it
is refused; unsupported mirrors are refused by name; a refused fit leaves the half exactly as it was."""

import bpy
import numpy as np
import pytest

from tests.blender.test_panel import addon  # noqa: F401  (the registered add-on fixture)
from tests.blender.test_prepare_character import backend, key_coordinates, made_by_backend, mesh_object  # noqa: F401


@pytest.fixture(scope="module")
def half_head(tmp_path_factory) -> dict:
    return made_by_backend("half_head.py", tmp_path_factory.mktemp("half") / "half.npz")


def mirrored_character(half):
    """The half head as an animator has it: Mirror (merge on), then Armature and Subdivision; a keyframed key
    (Smirk), a key driven by it (Frown), a vertex group on the left cheek and its empty right twin."""
    obj = mesh_object("Half", half["vertices"], half["triangles"])
    co = np.asarray(half["vertices"], np.float32)
    mirror = obj.modifiers.new("Mirror", "MIRROR")
    mirror.use_mirror_merge, mirror.merge_threshold = True, 0.001
    rig = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    bpy.context.scene.collection.objects.link(rig)
    obj.modifiers.new("Armature", "ARMATURE").object = rig
    obj.modifiers.new("Subdivision", "SUBSURF").levels = 1
    cheek = obj.vertex_groups.new(name="cheek.L")
    obj.vertex_groups.new(name="cheek.R")
    cheek.add(np.flatnonzero(co[:, 0] > 0.5).tolist(), 1.0, "REPLACE")
    obj.shape_key_add(name="Basis", from_mix=False)
    smirk = obj.shape_key_add(name="Smirk", from_mix=False)
    smirk.data.foreach_set("co", (co + np.outer(co[:, 0], [0.0, 0.0, 0.2])).ravel())
    smirk.slider_max = 2.0
    frown = obj.shape_key_add(name="Frown", from_mix=False)
    frown.data.foreach_set("co", (co - np.array([0.0, 0.0, 0.05], np.float32)).ravel())
    frown.vertex_group = "cheek.L"
    frown.relative_key = smirk
    for frame, value in ((1, 0.0), (10, 1.5), (20, 0.4)):
        smirk.value = value
        smirk.keyframe_insert("value", frame=frame)
    driver = frown.driver_add("value")
    variable = driver.driver.variables.new()
    variable.name = "smirk"
    variable.targets[0].id_type = "KEY"
    variable.targets[0].id = obj.data.shape_keys
    variable.targets[0].data_path = 'key_blocks["Smirk"].value'
    driver.driver.expression = "smirk * 0.5"
    obj.active_shape_key_index = 1
    return obj


def evaluated(obj) -> np.ndarray:
    """The mesh as the viewport shows it (every modifier, the keys at their animated values)."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    mesh = obj.evaluated_get(depsgraph).to_mesh()
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    obj.evaluated_get(depsgraph).to_mesh_clear()
    return co.reshape(-1, 3)


def looks(obj, frames=(1, 5, 10, 20)) -> list:
    shown = []
    for frame in frames:
        bpy.context.scene.frame_set(frame)
        shown.append(evaluated(obj))
    return shown


def keys_state(obj) -> dict:
    return {block.name: (block.relative_key.name, block.slider_min, block.slider_max, block.vertex_group,
                         block.interpolation, block.mute, key_coordinates(obj, block.name).ravel())
            for block in obj.data.shape_keys.key_blocks}


def keyframes(obj) -> dict:
    from blender_addon import compat

    action = obj.data.shape_keys.animation_data.action
    return {curve.data_path: [tuple(point.co) for point in curve.keyframe_points]
            for curve in compat.action_fcurves(action)}


def test_the_mirror_modifier_appends_the_mirrored_copy_after_the_half(addon):
    """The vertex order Apply Mirror relies on, checked on Blender's own result, merge on and off."""
    from blender_addon import mirror_whole

    xs, ys = np.meshgrid(np.linspace(0.0, 1.0, 5), np.linspace(-1.0, 1.0, 4))
    half = np.column_stack((xs.ravel(), ys.ravel(), 0.3 * xs.ravel() ** 2)).astype(np.float32)
    half[0, 0] = 0.0002  # within the merge threshold: merged onto the plane
    quads = [(r * 5 + c, r * 5 + c + 1, (r + 1) * 5 + c + 1, (r + 1) * 5 + c) for r in range(3) for c in range(4)]
    obj = mesh_object("Grid", [], [])
    obj.data.from_pydata(half.tolist(), [], quads)
    mirror = obj.modifiers.new("Mirror", "MIRROR")
    for merge, count in ((True, 2 * 20 - 4), (False, 2 * 20)):
        mirror.use_mirror_merge = merge
        shown = evaluated(obj)
        assert len(shown) == count
        kept = half[:, 0] > 0.001 if merge else np.ones(20, bool)  # the centre column (x = 0, 0.0002) merges
        np.testing.assert_array_equal(shown[20:], (half * [-1, 1, 1])[kept])  # the copy, in order
        np.testing.assert_allclose(shown, mirror_whole.whole_positions(half, mirror_whole.merged_centre(half, mirror)),
                                   atol=1e-7)
        assert shown[0, 0] == pytest.approx(0.0 if merge else 0.0002)


def test_a_mirrored_half_becomes_one_face_with_left_and_right_keys_and_keeps_the_users_work(addon, backend, half_head):
    from blender_addon import landmark_empties
    from blender_addon.arkit_names import ARKIT_NAMES

    state = bpy.context.window_manager.lipwright_prepare
    obj = mirrored_character(half_head)
    half_mesh, half_count, half_mesh_name = obj.data, len(obj.data.vertices), obj.data.name
    before_looks, before_keys, before_frames = looks(obj), keys_state(obj), keyframes(obj)

    # By default a mirrored half is refused, with the way out.
    with pytest.raises(RuntimeError, match="Mirror modifier"):
        bpy.ops.lipwright.find_landmarks()
    assert "Apply Mirror and Prepare" in state.last_error and obj.data == half_mesh

    obj.lipwright_character.apply_mirror = True
    assert bpy.ops.lipwright.find_landmarks() == {"FINISHED"}, state.last_error
    assert obj.data == half_mesh and [m.type for m in obj.modifiers] == ["MIRROR", "ARMATURE", "SUBSURF"]
    # The found mouth corners lie on the lips (they once fell through the closed lips' slit into the mouth);
    # then the user puts every landmark exactly where it belongs, as one would before a fit.
    empties = landmark_empties.landmark_empties(obj)
    truth = half_head["landmarks"]
    width = np.linalg.norm(np.subtract(truth["mouth_corner_left"], truth["mouth_corner_right"]))
    for name in ("mouth_corner_left", "mouth_corner_right", "lip_upper_mid", "lip_lower_mid"):
        found = np.array(empties[name].location)  # the space the truth is in (it is set back the same way below)
        assert np.linalg.norm(found - np.asarray(truth[name])) < 0.1 * width, name
    for name, point in half_head["landmarks"].items():
        empties[name].location = point
    bpy.ops.ed.undo_push(message="Landmarks found")
    bpy.ops.ed.undo_push(message="Landmarks moved")
    assert bpy.ops.lipwright.fit_character() == {"FINISHED"}, state.last_error
    assert not state.last_error and "made whole" in state.last_report

    # One whole mesh of its own, the other modifiers in their order, the half left for undo.
    assert obj.data != half_mesh and half_mesh.users == 0
    assert [(m.name, m.type) for m in obj.modifiers] == [("Armature", "ARMATURE"), ("Subdivision", "SUBSURF")]
    centre = int((np.abs(half_head["vertices"][:, 0]) < 0.0005).sum())
    assert len(obj.data.vertices) == 2 * half_count - centre
    blocks = obj.data.shape_keys.key_blocks
    assert [b.name for b in blocks][:3] == ["Basis", "Smirk", "Frown"] and set(ARKIT_NAMES) <= set(blocks.keys())

    # Left and right keys differ: mouthSmileLeft moves the left corner, not the right.
    basis = keys_state(obj)["Basis"][6].reshape(-1, 3)
    smile = keys_state(obj)["mouthSmileLeft"][6].reshape(-1, 3)
    corners = {side: np.argmin(np.linalg.norm(basis - half_head["landmarks"][f"mouth_corner_{side}"], axis=1))
               for side in ("left", "right")}
    moved = {side: np.linalg.norm(smile[i] - basis[i]) for side, i in corners.items()}
    assert moved["left"] > 5 * moved["right"], moved

    # The user's keys, their animation and driver are there and the face looks as before at every frame.
    after_keys = keys_state(obj)
    assert after_keys["Frown"][3] == "cheek.L both sides"  # the key's effect was mirrored: both cheeks
    for name in ("Smirk", "Frown"):
        assert after_keys[name][:3] + after_keys[name][4:6] == before_keys[name][:3] + before_keys[name][4:6]
        np.testing.assert_allclose(after_keys[name][6].reshape(-1, 3)[:half_count],
                                   before_keys[name][6].reshape(-1, 3), atol=1e-6)
    assert keyframes(obj) == before_frames
    drivers = obj.data.shape_keys.animation_data.drivers
    assert [d.data_path for d in drivers] == ['key_blocks["Frown"].value']
    assert drivers[0].driver.variables["smirk"].targets[0].id == obj.data.shape_keys
    for frame, shown, was in zip((1, 5, 10, 20), looks(obj), before_looks):
        assert shown.shape == was.shape, frame
        np.testing.assert_allclose(shown, was, atol=2e-5, err_msg=f"frame {frame}")
    bpy.context.scene.frame_set(10)
    assert blocks["Smirk"].value == pytest.approx(1.5) and blocks["Frown"].value == pytest.approx(0.75)

    # The right cheek now has the left's weights (mirrored vertex groups), UVs and faces as Blender made them.
    right = obj.vertex_groups["cheek.R"].index
    weighted = [v.index for v in obj.data.vertices if any(g.group == right for g in v.groups)]
    assert weighted and all(v >= half_count for v in weighted)

    # One undo step gives the half back, with its Mirror modifier, keys and look. Background Blender pushes no
    # step after an operator, so the step lipwright.apply_fit (flagged UNDO) ends with is pushed here.
    bpy.ops.ed.undo_push(message="Apply Fit")
    assert bpy.ops.ed.undo() == {"FINISHED"}
    obj = bpy.data.objects["Half"]
    assert len(obj.data.vertices) == half_count and obj.data.name == half_mesh_name
    assert [m.type for m in obj.modifiers] == ["MIRROR", "ARMATURE", "SUBSURF"]
    assert list(keys_state(obj)) == ["Basis", "Smirk", "Frown"] and keyframes(obj) == before_frames
    for shown, was in zip(looks(obj), before_looks):
        np.testing.assert_allclose(shown, was, atol=1e-6)


def test_a_refused_fit_gives_the_half_back_exactly(addon):
    """The fit's keys are checked after the face is made whole: a refusal there puts the half back."""
    from blender_addon import character_jobs, character_keys, mirror_whole, prepare_ops
    from blender_addon.arkit_names import ARKIT_NAMES

    half = {"vertices": np.array([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 2, 0.5), (1, 2, 0.5)], np.float32),
            "triangles": np.array([(0, 1, 2), (0, 2, 3), (3, 2, 5), (3, 5, 4)])}
    obj = mirrored_character(half)
    obj.lipwright_character.apply_mirror = True
    half_mesh, meshes = obj.data, len(bpy.data.meshes)
    before_keys, before_looks = keys_state(obj), looks(obj)
    whole = mirror_whole.whole_mesh_data(obj)
    job = character_jobs.CharacterJob(step="fit", object_name=obj.name, request=b"", basis=whole.vertices,
                                      result={"targets": np.zeros((len(ARKIT_NAMES), 5, 3)),
                                              "target_names": list(ARKIT_NAMES)})
    with pytest.raises(character_keys.FitRefused, match="vertices now"):
        prepare_ops.apply_fit(obj, job, replace_earlier=False, apply_mirror=True)
    assert obj.data == half_mesh and len(bpy.data.meshes) == meshes
    assert [group.name for group in obj.vertex_groups] == ["cheek.L", "cheek.R"]
    assert [m.type for m in obj.modifiers] == ["MIRROR", "ARMATURE", "SUBSURF"]
    after = keys_state(obj)
    assert list(after) == list(before_keys)
    for name, was in before_keys.items():
        assert after[name][:6] == was[:6]
        np.testing.assert_array_equal(after[name][6], was[6])
    for shown, was in zip(looks(obj), before_looks):
        np.testing.assert_array_equal(shown, was)
    assert obj.active_shape_key_index == 1 and not obj.show_only_shape_key
    assert all(m.show_viewport for m in obj.modifiers)


@pytest.mark.parametrize("arrange, named", [
    (lambda obj, mirror: obj.modifiers.new("Mirror.001", "MIRROR"), "2 Mirror modifiers"),
    (lambda obj, mirror: obj.modifiers.move(0, 1), "comes after 'Armature'"),
    (lambda obj, mirror: setattr(mirror, "use_axis", (False, True, False)), "mirrors along Y"),
    (lambda obj, mirror: mirror.use_bisect_axis.__setitem__(0, True), "bisects"),
])
def test_mirrors_it_cannot_make_whole_are_refused_by_name(addon, arrange, named):
    state = bpy.context.window_manager.lipwright_prepare
    obj = mesh_object("Half", [(0, 0, 0), (1, 0, 0), (1, 1, 0)], [(0, 1, 2)])
    mirror = obj.modifiers.new("Mirror", "MIRROR")
    obj.modifiers.new("Armature", "ARMATURE")
    arrange(obj, mirror)
    obj.lipwright_character.apply_mirror = True
    mesh, modifiers = obj.data, [m.name for m in obj.modifiers]
    with pytest.raises(RuntimeError, match=named):
        bpy.ops.lipwright.find_landmarks()
    assert "Mirror" in state.last_error and obj.data == mesh and [m.name for m in obj.modifiers] == modifiers


def test_the_panel_offers_apply_mirror_only_for_a_mirrored_half(addon):
    from tests.blender.conftest import grid_mesh
    from tests.blender.test_panel import RecordingLayout

    def offered() -> bool:
        record = []
        bpy.types.LIPWRIGHT_PT_prepare.draw(type("Panel", (), {"layout": RecordingLayout(record)})(), bpy.context)
        return ("prop", "apply_mirror") in record

    obj = grid_mesh("Face")
    bpy.context.view_layer.objects.active = obj
    assert not offered()
    obj.modifiers.new("Mirror", "MIRROR")
    assert offered()


def test_nla_tracks_and_drivers_elsewhere_follow_the_new_keys_and_other_users_keep_the_half(addon):
    from blender_addon import compat, mirror_whole

    half = {"vertices": np.array([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)], np.float32),
            "triangles": np.array([(0, 1, 2), (0, 2, 3)])}
    obj = mirrored_character(half)
    keys = obj.data.shape_keys
    strip_action = bpy.data.actions.new("Held")
    slot = compat.new_action_for(strip_action, keys)
    curve = compat.new_fcurve(strip_action, slot, 'key_blocks["Smirk"].value')
    curve.keyframe_points.insert(1, 0.2)
    track = keys.animation_data.nla_tracks.new()
    track.name = "Held line"
    strip = track.strips.new("Held", 30, strip_action)
    compat.assign_nla_strip_slot(strip, slot)
    strip.influence = 0.5
    # A separate part driven by the face's key, and a second object sharing the half's mesh.
    part = mesh_object("Teeth", [(0, 0, 0), (1, 0, 0), (0, 1, 0)], [(0, 1, 2)])
    part.shape_key_add(name="Basis")
    driven = part.shape_key_add(name="Smirk").driver_add("value")
    variable = driven.driver.variables.new()
    variable.targets[0].id_type = "KEY"
    variable.targets[0].id = keys
    variable.targets[0].data_path = 'key_blocks["Smirk"].value'
    twin = bpy.data.objects.new("Twin", obj.data)
    bpy.context.scene.collection.objects.link(twin)

    whole = mirror_whole.make_whole(obj)
    whole.finish()
    new_keys = obj.data.shape_keys
    copied = new_keys.animation_data.nla_tracks
    assert [t.name for t in copied] == ["Held line"] and copied[0].strips[0].action == strip_action
    assert copied[0].strips[0].frame_start == 30 and copied[0].strips[0].influence == pytest.approx(0.5)
    assert twin.data.shape_keys == keys and len(twin.data.vertices) == 4  # the other user keeps its half...
    assert keys.animation_data.nla_tracks[0].name == "Held line"           # ...and its animation
    assert variable.targets[0].id == keys  # shared: the part's driver still reads the half the twin shows
    bpy.data.objects.remove(twin)
    obj2 = mirrored_character(half)
    keys2 = obj2.data.shape_keys
    variable.targets[0].id = keys2
    mirror_whole.make_whole(obj2).finish()
    assert variable.targets[0].id == obj2.data.shape_keys  # not shared: it reads the whole face's keys
