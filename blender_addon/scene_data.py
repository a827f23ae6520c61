"""Read what a job needs from the scene: the Basis mesh, the audio of a sound strip or file, the frame rate.

A strip's audio is read as the user hears it: Blender's own mixdown of that strip alone over its
visible range, so the sound offset, trims, volume fades and every format Blender plays (.mp4,
.m4a...) are honoured, and the line starts on the strip's first visible frame.
"""

import os
import shutil
import tempfile
import uuid
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
    if len(obj.data.polygons) == 0:
        raise SceneDataError(f"mesh '{obj.name}' has no faces")
    faces_flat, sizes = mesh_faces(obj.data)
    return MeshData(basis_coordinates(obj), faces_flat, sizes)


def mesh_faces(mesh) -> tuple[np.ndarray, np.ndarray]:
    """(vertex index of each face corner, face by face; corners of each face) as int32 arrays."""
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
    return faces_flat.astype(np.int32), sizes


def scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


def strip_frame_start(strip, fps=None) -> int:
    """The frame at which the sound file's first sample plays: the strip's start, later by its sound
    offset (seconds) when fps is given. Trimming does not move it."""
    offset = getattr(strip, "sound_offset", 0.0) * fps if fps else 0.0
    return int(round(strip.frame_start + offset))


STRIP_ID_KEY = "lipwright_id"
STRIP_ID_NAME_KEY = "lipwright_id_name"  # the strip's name when its id was last read: tells a copy from its original
MIXDOWN_RATE = 16000  # what the backend's models listen at: a small, lossless request


def strip_id(strip, scene=None) -> str:
    """The strip's stable id (kept on the strip, saved with the .blend): a renamed strip stays the same line.
    A strip duplicated in the Sequencer carries its original's id and a new name: with `scene` given,
    such a copy gets an id of its own."""
    value = str(strip.get(STRIP_ID_KEY, ""))
    if value and scene is not None and str(strip.get(STRIP_ID_NAME_KEY, "")) != strip.name:
        if any(other != strip and str(other.get(STRIP_ID_KEY, "")) == value for other in compat.sound_strips(scene)):
            value = ""
    if not value:
        value = uuid.uuid4().hex[:16]
        strip[STRIP_ID_KEY] = value
    strip[STRIP_ID_NAME_KEY] = strip.name
    return value


def find_strip_by_id(scene, line) -> object:
    """The sound strip whose id (or, for lines baked before ids, whose name) is `line`; None when gone.
    Among a strip and its copies the one whose name matches the id's is the original."""
    strips = compat.sound_strips(scene)
    same = [s for s in strips if str(s.get(STRIP_ID_KEY, "")) == line]
    if same:
        return next((s for s in same if str(s.get(STRIP_ID_NAME_KEY, "")) == s.name), same[0])
    return next((s for s in strips if s.name == line and not s.get(STRIP_ID_KEY)), None)


@dataclass
class StripAudio:
    data: bytes        # a sound file's bytes (a WAV mixdown, or the strip's own file without Audaspace)
    frame_start: int   # the scene frame where the first sample of `data` plays
    sound_start: float  # the strip's frame_start then: Sync to Strips moves the line by its change
    mixed: bool        # True: offset, trims and volume are in `data`


def strip_audio(scene, strip) -> StripAudio:
    """The strip's audio as the user hears it (see the module docstring). Blender builds without
    Audaspace (the PyPI bpy 4.2 wheel) cannot mix: the strip's file is read as it is, placed by its
    sound offset."""
    if not bpy.app.build_options.audaspace:
        start = strip_frame_start(strip, scene_fps(scene))
        return StripAudio(strip_audio_bytes(strip), start, float(strip.frame_start), False)
    first, end = int(strip.frame_final_start), int(strip.frame_final_end)
    if end <= first:
        raise SceneDataError(f"strip '{strip.name}' is trimmed to nothing")
    return StripAudio(_mixdown(scene, strip, first, end - 1), first, float(strip.frame_start), True)


def _mixdown(scene, strip, first, last) -> bytes:
    """Blender's mixdown of `strip` alone, frames first..last, as 16-bit mono WAV bytes. Everything it
    changes (frame range, mutes, volume) is put back before it returns."""
    others = [s for s in compat.sequencer_strips(scene) if s != strip and s.type != "META"]
    saved = (scene.frame_start, scene.frame_end, scene.use_audio, scene.audio_volume, strip.mute,
             [s.mute for s in others])
    folder = tempfile.mkdtemp(prefix="lipwright-")
    path = os.path.join(folder, "line.wav")
    try:
        for other in others:
            other.mute = True
        strip.mute = False
        scene.use_audio, scene.audio_volume = True, 1.0
        scene.frame_start, scene.frame_end = first, last
        with bpy.context.temp_override(scene=scene):
            bpy.ops.sound.mixdown(filepath=path, container="WAV", codec="PCM", format="S16", channels="MONO",
                                  mixrate=MIXDOWN_RATE, check_existing=False)
        with open(path, "rb") as handle:
            data = handle.read()
    except (RuntimeError, OSError) as error:
        raise SceneDataError(f"Blender could not mix down the sound of strip '{strip.name}' ({error}); "
                             "check that its file plays in the Sequencer") from None
    finally:
        scene.frame_start, scene.frame_end, scene.use_audio, scene.audio_volume, strip.mute, mutes = saved
        for other, muted in zip(others, mutes):
            other.mute = muted
        shutil.rmtree(folder, ignore_errors=True)
    if len(data) <= 44:
        raise SceneDataError(f"the mixdown of strip '{strip.name}' is empty; check its file and volume")
    return data


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
