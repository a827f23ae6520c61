"""Read what a job needs from the scene: the Basis mesh, the audio of a sound strip or file, the frame rate."""

import os
from dataclasses import dataclass

import bpy
import numpy as np

from . import compat


class SceneDataError(ValueError):
    """Something in the scene cannot be sent; the message says what to fix."""


@dataclass
class MeshData:
    vertices: np.ndarray    # (V, 3) float32, object space, the Basis shape
    faces_flat: np.ndarray  # (sum of face sizes,) int32
    face_sizes: np.ndarray  # (F,) int32


def basis_coordinates(obj) -> np.ndarray:
    """(V, 3) object-space coordinates of the Basis (reference) shape: no modifiers, no object transform."""
    mesh = obj.data
    count = len(mesh.vertices)
    coords = np.empty(count * 3, dtype=np.float32)
    keys = mesh.shape_keys
    if keys is not None and keys.reference_key is not None:
        keys.reference_key.data.foreach_get("co", coords)
    else:
        mesh.vertices.foreach_get("co", coords)
    return coords.reshape(count, 3)


def mesh_data(obj) -> MeshData:
    if obj is None or obj.type != "MESH":
        raise SceneDataError("choose a mesh object as the target")
    mesh = obj.data
    if len(mesh.polygons) == 0:
        raise SceneDataError(f"mesh '{obj.name}' has no faces")
    sizes = np.empty(len(mesh.polygons), dtype=np.int32)
    starts = np.empty(len(mesh.polygons), dtype=np.int32)
    mesh.polygons.foreach_get("loop_total", sizes)
    mesh.polygons.foreach_get("loop_start", starts)
    loop_vertices = np.empty(len(mesh.loops), dtype=np.int32)
    mesh.loops.foreach_get("vertex_index", loop_vertices)
    expected = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    if np.array_equal(starts, expected):
        faces_flat = loop_vertices[: int(sizes.sum())]
    else:  # loops not in face order (rare, old files): gather face by face
        faces_flat = np.concatenate([loop_vertices[s: s + n] for s, n in zip(starts, sizes)])
    return MeshData(basis_coordinates(obj), faces_flat.astype(np.int32), sizes)


def scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


def strip_frame_start(strip) -> int:
    """The frame at which the sound's first sample plays (trimming does not move it)."""
    return int(round(strip.frame_start))


def sound_strip(scene, name):
    strip = compat.find_strip(scene, name)
    if strip is None:
        raise SceneDataError(f"there is no strip named '{name}' in the sequencer of scene '{scene.name}'")
    if strip.type != "SOUND" or strip.sound is None:
        raise SceneDataError(f"strip '{name}' is not a sound strip")
    return strip


def strip_audio_bytes(strip) -> bytes:
    """The sound file's bytes: packed data when the sound is packed, else the file on disk."""
    sound = strip.sound
    if sound.packed_file is not None:
        return bytes(sound.packed_file.data)
    path = bpy.path.abspath(sound.filepath, library=sound.library)
    return file_audio_bytes(path, f"the sound of strip '{strip.name}'")


def file_audio_bytes(path, what="the sound file") -> bytes:
    path = bpy.path.abspath(path)
    if not path or not os.path.isfile(path):
        raise SceneDataError(f"{what} is missing: '{path}' does not exist")
    with open(path, "rb") as handle:
        data = handle.read()
    if not data:
        raise SceneDataError(f"{what} is empty: '{path}'")
    return data
