"""A glb with morph targets and a weights animation, read back by two independent readers."""

import numpy as np
import pygltflib
import trimesh

from lipwright.files.gltf_morph_animation import morph_mesh, write_glb

# A square in the XZ plane (Lipwright's front, Z up) made of two triangles; two targets move its top edge.
VERTICES = np.array([[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], dtype=np.float32)
TRIANGLES = np.array([[0, 1, 2], [0, 2, 3]])
TARGETS = np.zeros((2, 4, 3), dtype=np.float32)
TARGETS[0, 2:, 2] = 0.5   # "jawOpen" raises the top edge
TARGETS[1, 2:, 0] = -0.25  # "mouthLeft" shifts it


def view_array(gltf, index, dtype, width, count):
    view = gltf.bufferViews[index]
    data = gltf.binary_blob()[view.byteOffset:view.byteOffset + view.byteLength]
    return np.frombuffer(data, dtype=dtype, count=count * width).reshape(count, width)


def accessor(gltf, index):
    """A float accessor's rows, sparse ones filled in over zeros as the spec says."""
    item = gltf.accessors[index]
    width = {"SCALAR": 1, "VEC3": 3}[item.type]
    if item.bufferView is None:
        rows = np.zeros((item.count, width), np.float32)
    else:
        rows = view_array(gltf, item.bufferView, "<f4", width, item.count).copy()
    if item.sparse is not None:
        indices = view_array(gltf, item.sparse.indices.bufferView, "<u4", 1, item.sparse.count)[:, 0]
        rows[indices] = view_array(gltf, item.sparse.values.bufferView, "<f4", width, item.sparse.count)
    return rows


def test_one_mesh_serves_many_lines(tmp_path):
    mesh = morph_mesh(VERTICES, TRIANGLES, TARGETS, ("jawOpen", "mouthLeft"))
    for frames in (3, 40, 7):
        weights = np.random.default_rng(frames).random((frames, 2)).astype(np.float32)
        write_glb(tmp_path / "line.glb", mesh, weights, 30.0)
        gltf = pygltflib.GLTF2().load(str(tmp_path / "line.glb"))
        sampler = gltf.animations[0].samplers[0]
        np.testing.assert_allclose(accessor(gltf, sampler.output).reshape(frames, 2), weights)
        np.testing.assert_allclose(accessor(gltf, gltf.meshes[0].primitives[0].attributes.POSITION)[2], [1, 1, 0])


def test_targets_and_keyframes_read_back(tmp_path):
    weights = np.linspace(0, 1, 10, dtype=np.float32)[:, None] * np.array([[1.0, 0.5]], dtype=np.float32)
    path = tmp_path / "square.glb"
    write_glb(path, morph_mesh(VERTICES, TRIANGLES, TARGETS, ("jawOpen", "mouthLeft")), weights, 25.0, name="square")

    gltf = pygltflib.GLTF2().load(str(path))
    mesh = gltf.meshes[0]
    assert mesh.extras["targetNames"] == ["jawOpen", "mouthLeft"]
    primitive = mesh.primitives[0]
    assert len(primitive.targets) == 2
    # glTF is Y up: Lipwright's +Z (up) is glTF's +Y, its -Y (front) is glTF's +Z.
    np.testing.assert_allclose(accessor(gltf, primitive.targets[0]["POSITION"]), [[0, 0, 0]] * 2 + [[0, 0.5, 0]] * 2)
    # Only the moved vertices are stored.
    assert gltf.accessors[primitive.targets[0]["POSITION"]].sparse.count == 2
    np.testing.assert_allclose(accessor(gltf, primitive.attributes.POSITION)[2], [1, 1, 0])
    animation = gltf.animations[0]
    assert animation.channels[0].target.path == "weights"
    times = accessor(gltf, animation.samplers[0].input)[:, 0]
    np.testing.assert_allclose(times, np.arange(10) / 25.0, rtol=1e-6)
    np.testing.assert_allclose(accessor(gltf, animation.samplers[0].output).reshape(10, 2), weights)

    scene = trimesh.load(path)
    (loaded,) = scene.geometry.values()
    assert loaded.vertices.shape == (4, 3) and len(loaded.faces) == 2
    assert np.allclose(loaded.vertices.max(axis=0), [1, 1, 0])
