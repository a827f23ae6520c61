"""scene_data: the Basis mesh in object space, audio from strips (on disk or packed), the frame rate."""

import bpy
import numpy as np
import pytest

from tests.blender.conftest import grid_mesh, set_fps
from tests.blender.test_compat import write_wav


def test_basis_coordinates_ignore_transform_modifiers_and_other_keys():
    from blender_addon import scene_data

    obj = grid_mesh(size=4, key_names=("jawOpen",))
    rest = np.array([v.co for v in obj.data.vertices], np.float32)
    obj.scale = (-2.0, 3.0, 0.5)  # mirrored and unapplied
    obj.rotation_euler = (0.3, 0.0, 1.0)
    obj.modifiers.new("sub", "SUBSURF")
    obj.data.shape_keys.key_blocks["jawOpen"].value = 1.0
    mesh = scene_data.mesh_data(obj)
    np.testing.assert_allclose(mesh.vertices, rest)
    assert mesh.vertices.dtype == np.float32 and mesh.vertices.shape == (16, 3)
    assert mesh.face_sizes.tolist() == [4] * 9 and len(mesh.faces_flat) == 36
    assert mesh.faces_flat[:4].tolist() == list(obj.data.polygons[0].vertices)


def test_basis_comes_from_the_reference_key_when_vertices_were_edited():
    from blender_addon import scene_data

    obj = grid_mesh(size=3, key_names=("a",))
    obj.data.shape_keys.reference_key.data[0].co = (5.0, 5.0, 5.0)
    assert scene_data.basis_coordinates(obj)[0].tolist() == [5.0, 5.0, 5.0]


def test_a_mesh_without_faces_is_refused():
    from blender_addon import scene_data

    mesh = bpy.data.meshes.new("points")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0)], [], [])
    obj = bpy.data.objects.new("points", mesh)
    with pytest.raises(scene_data.SceneDataError, match="no faces"):
        scene_data.mesh_data(obj)


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_audio_from_a_strip_on_disk_and_packed(tmp_path):
    from blender_addon import compat, scene_data

    wav = write_wav(tmp_path / "line.wav")
    scene = bpy.context.scene
    strip = compat.new_sound_strip(scene, "line", str(wav), 1, 101)
    assert scene_data.strip_audio_bytes(strip) == wav.read_bytes()
    assert scene_data.strip_frame_start(scene_data.sound_strip(scene, "line")) == 101
    strip.sound.pack()
    wav.unlink()  # packed data must not need the file any more
    assert scene_data.strip_audio_bytes(strip)[:4] == b"RIFF"
    with pytest.raises(scene_data.SceneDataError, match="no strip"):
        scene_data.sound_strip(scene, "other")


def test_missing_file_and_fps():
    from blender_addon import scene_data

    with pytest.raises(scene_data.SceneDataError, match="missing"):
        scene_data.file_audio_bytes("/nonexistent/x.wav")
    scene = bpy.context.scene
    set_fps(scene, 30, 1.001)
    assert scene_data.scene_fps(scene) == pytest.approx(29.97, abs=1e-3)
