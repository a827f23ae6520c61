"""Fixtures for the add-on tests: real bpy (4.5 or 5.0), a factory-fresh empty file per test."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the tests import the add-on folder as the package `blender_addon`
    sys.path.insert(0, str(REPO))

import bpy  # noqa: E402  (real Blender: the PyPI bpy module)
import numpy as np  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_blender():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield
    bpy.ops.wm.read_factory_settings(use_empty=True)


def grid_mesh(name="Face", size=6, key_names=(), location=(0.0, 0.0, 0.0)):
    """A size x size grid of quads as a mesh object linked to the scene, with optional shape keys."""
    xs, ys = np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size))
    vertices = np.column_stack((xs.ravel(), ys.ravel(), np.zeros(size * size)))
    faces = [(r * size + c, r * size + c + 1, (r + 1) * size + c + 1, (r + 1) * size + c)
             for r in range(size - 1) for c in range(size - 1)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(vertices.tolist(), [], faces)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.location = location
    if key_names:
        obj.shape_key_add(name="Basis", from_mix=False)
        for index, key_name in enumerate(key_names):
            block = obj.shape_key_add(name=key_name, from_mix=False)
            co = vertices.copy()
            co[:, 2] += 0.01 * (index + 1)
            block.data.foreach_set("co", co.astype(np.float32).ravel())
    return obj


def make_result(frames, vertices, fps, weights=None, weight_names=(), seed=0):
    """A decoded result as wire.decode_result returns it."""
    rng = np.random.default_rng(seed)
    offsets = rng.normal(scale=0.01, size=(frames, vertices, 3)).astype(np.float32)
    result = {
        "offsets": offsets, "rest": np.zeros((vertices, 3), np.float32), "fps": float(fps),
        "landmark_names": np.array(["chin"]), "landmark_index": np.array([0]), "meta": {"model": "test"},
        "landmarks": {"chin": 0},
    }
    if weights is not None:
        result["weights"] = np.asarray(weights, np.float32)
        result["weight_names"] = list(weight_names)
    return result


def set_fps(scene, fps, base=1.0):
    scene.render.fps, scene.render.fps_base = fps, base


@pytest.fixture
def addon():
    import blender_addon

    return blender_addon


# bpy 4.2 as a Python module crashes at interpreter exit once a property with a Python callback
# (get/set, dynamic enum items, pointer poll) has been registered and unregistered, as the add-on's
# are: Blender frees them after Python is gone. Leave before that teardown, with pytest's own status.
_exit_status = 0


def pytest_sessionfinish(session, exitstatus):
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config):
    if bpy.app.version < (4, 3):
        import os

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)
