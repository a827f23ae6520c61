"""head.create_head and headless.build_head_blend: the default head from a template npz, via foreach_set."""

import json

import bpy
import numpy as np
import pytest

from tests.blender.test_bake import evaluated_coordinates


def small_template(path=None):
    from blender_addon.arkit_names import ARKIT_NAMES

    rng = np.random.default_rng(0)
    vertices = rng.normal(size=(9, 3)).astype(np.float32)
    faces_flat = np.array([0, 1, 4, 3, 1, 2, 5, 4, 3, 4, 7, 6, 4, 5, 8], np.int32)
    face_sizes = np.array([4, 4, 4, 3], np.int32)
    targets = rng.normal(scale=0.01, size=(52, 9, 3)).astype(np.float32)
    template = dict(vertices=vertices, faces_flat=faces_flat, face_sizes=face_sizes, targets=targets,
                    target_names=np.array(ARKIT_NAMES), landmark_names=np.array(["chin", "lip_upper_mid"]),
                    landmark_index=np.array([0, 4]))
    if path is not None:
        np.savez(path, **template)
    return template


def test_head_has_basis_and_52_arkit_keys_with_the_targets():
    from blender_addon import bake, head

    template = small_template()
    obj = head.create_head(template)
    keys = obj.data.shape_keys.key_blocks
    assert len(keys) == 53 and keys[0].name == "Basis" and keys[18].name == "jawOpen"
    assert [list(p.vertices) for p in obj.data.polygons][3] == [4, 5, 8]
    co = np.empty(27, np.float32)
    keys["jawOpen"].data.foreach_get("co", co)
    np.testing.assert_allclose(co.reshape(9, 3), template["vertices"] + template["targets"][17], atol=1e-6)
    assert json.loads(obj["lipwright_landmarks"]) == {"chin": 0, "lip_upper_mid": 4}
    assert bake.choose_mode(obj, None) == "ARKIT"
    keys["jawOpen"].value = 1.0
    np.testing.assert_allclose(evaluated_coordinates(obj, 1), template["vertices"] + template["targets"][17], atol=1e-5)


def test_bad_template_is_refused_with_its_reason():
    from blender_addon import head

    template = small_template()
    template["targets"] = template["targets"][:10]
    with pytest.raises(head.TemplateError, match="targets"):
        head.create_head(template)
    with pytest.raises(head.TemplateError, match="npz"):
        head.create_head(b"not an npz")


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_build_head_blend_then_bake_file(tmp_path):
    from blender_addon import headless, wire
    from blender_addon.arkit_names import ARKIT_NAMES
    from tests.blender.test_compat import write_wav

    small_template(tmp_path / "head.npz")
    info = headless.build_head_blend(str(tmp_path / "head.npz"), str(tmp_path / "head.blend"), fps=29.97)
    assert info["shape_keys"] == 52 and info["vertices"] == 9
    scene_info = headless.export_object_mesh(str(tmp_path / "head.blend"), info["object"], str(tmp_path / "mesh.npz"))
    assert scene_info["fps"] == pytest.approx(29.97, abs=1e-3) and scene_info["mode"] == "ARKIT"
    assert np.load(tmp_path / "mesh.npz")["face_sizes"].tolist() == [4, 4, 4, 3]

    # the backend's side of the wire, written the way lipwright.wire.encode_result writes it
    weights = np.full((12, 52), 0.5, np.float32)
    np.savez(tmp_path / "result.npz", offsets=np.zeros((12, 9, 3), np.float32), rest=np.zeros((9, 3), np.float32),
             fps=np.array(scene_info["fps"]), landmark_names=np.array(["chin"]), landmark_index=np.array([0]),
             meta=np.array(json.dumps({"model": "test"})), weights=weights, weight_names=np.array(ARKIT_NAMES))
    assert wire.decode_result((tmp_path / "result.npz").read_bytes())["fps"] == pytest.approx(29.97, abs=1e-3)
    report = headless.bake_file(str(tmp_path / "head.blend"), info["object"], str(write_wav(tmp_path / "line.wav")),
                                str(tmp_path / "result.npz"), str(tmp_path / "out.blend"), strip_name="line", frame_start=5)
    assert report["mode"] == "ARKIT" and report["frame_start"] == 5 and report["frame_end"] == 16
    bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "out.blend"))
    assert bpy.context.scene.sequence_editor is not None
    assert "Lipwright line" in bpy.data.actions
    bpy.context.scene.frame_set(10)
    assert bpy.data.objects[info["object"]].data.shape_keys.key_blocks["jawOpen"].value == pytest.approx(0.5)
