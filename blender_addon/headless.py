"""Plain entry points for a separate Blender Python process (`lipwright bake`, `lipwright template`, the demo).

The backend's blender_bridge loads this folder as a package and calls one function with keyword
arguments; each returns JSON-ready data and raises with a message a person can act on.
From a shell, with the add-on's parent folder importable:
    python -c "from blender_addon import headless; print(headless.build_head_blend('head.npz', 'head.blend'))"
"""

import os
from dataclasses import asdict

import bpy
import numpy as np

from . import arkit_names, bake, compat, head, scene_data, wire


def _open(blend):
    if not os.path.isfile(blend):
        raise FileNotFoundError(f"no .blend file at {blend}")
    bpy.ops.wm.open_mainfile(filepath=os.path.abspath(blend), load_ui=False)


def _object(object_name):
    obj = bpy.data.objects.get(object_name)
    if obj is None:
        meshes = ", ".join(o.name for o in bpy.data.objects if o.type == "MESH") or "none"
        raise bake.BakeError(f"the .blend has no object '{object_name}' (mesh objects: {meshes})")
    if obj.type != "MESH":
        raise bake.BakeError(f"'{object_name}' is a {obj.type.lower()}, not a mesh")
    return obj


def _save(blend_out):
    os.makedirs(os.path.dirname(os.path.abspath(blend_out)) or ".", exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=os.path.abspath(blend_out), compress=True)


def _scene_for(obj):
    return obj.users_scene[0] if obj.users_scene else bpy.context.scene


def export_object_mesh(blend, object_name, out_npz, out_glb=None) -> dict:
    """Write the object's Basis mesh (vertices, faces_flat, face_sizes) to out_npz and, with out_glb, the
    object as glTF with its shape keys when it has ARKit-named ones ("glb" says whether it did); returns
    the scene's facts."""
    _open(blend)
    obj = _object(object_name)
    scene = _scene_for(obj)
    mesh = scene_data.mesh_data(obj)
    np.savez(out_npz, vertices=mesh.vertices, faces_flat=mesh.faces_flat, face_sizes=mesh.face_sizes)
    return {
        "glb": bool(out_glb) and _export_shape_keys_glb(obj, out_glb),
        "fps": scene_data.scene_fps(scene), "scene": scene.name, "object": obj.name,
        "vertices": int(len(mesh.vertices)), "faces": int(len(mesh.face_sizes)),
        "mode": bake.choose_mode(obj, None, "AUTO"),
        "sound_strips": [s.name for s in compat.sound_strips(scene)],
    }


def _export_shape_keys_glb(obj, out_glb) -> bool:
    """The object alone, its shape keys as morph targets, through Blender's own glTF exporter (no animation,
    no materials, modifiers not applied); False when it has no ARKit-named keys to export."""
    keys = obj.data.shape_keys
    if keys is None or not {key.name for key in keys.key_blocks} & set(arkit_names.ARKIT_NAMES):
        return False
    for other in bpy.context.view_layer.objects:
        other.select_set(False)
    obj.hide_set(False)
    obj.select_set(True)
    bpy.context.view_layer.objects.active = obj
    bpy.ops.export_scene.gltf(filepath=os.path.abspath(out_glb), export_format="GLB", use_selection=True,
                              export_morph=True, export_animations=False, export_apply=False,
                              export_materials="NONE", export_skins=False)
    return True


def add_or_find_strip(scene, audio_path, strip_name=None, frame_start=1):
    """The named sound strip when the scene has it, else a new one for audio_path at frame_start."""
    name = strip_name or os.path.splitext(os.path.basename(audio_path))[0]
    strip = compat.find_strip(scene, name)
    if strip is not None:
        if strip.type != "SOUND":
            raise bake.BakeError(f"strip '{name}' exists but is not a sound strip")
        return strip
    if not os.path.isfile(audio_path):
        raise FileNotFoundError(f"no audio file at {audio_path}")
    channel = compat.free_channel(scene, frame_start, frame_start + 1)
    return compat.new_sound_strip(scene, name, os.path.abspath(audio_path), channel, frame_start)


def bake_file(blend_in, object_name, audio_path, result_npz, blend_out, strip_name=None, frame_start=1, mode="AUTO") -> dict:
    """Open blend_in, add the sound strip if missing, bake result_npz onto the object, save blend_out."""
    line = {"audio_path": audio_path, "result_npz": result_npz, "strip_name": strip_name}
    return bake_files(blend_in, object_name, [line], blend_out, frame_start, mode=mode)[0]


def bake_files(blend_in, object_name, lines, blend_out, frame_start=1, gap=12, mode="AUTO") -> list:
    """Bake many dialogue lines onto one object in one session: lines = [{audio_path, result_npz,
    strip_name}]. A line whose strip exists keeps its place; new strips follow one another from
    frame_start, `gap` frames apart. The file is saved only when every line baked."""
    _open(blend_in)
    obj = _object(object_name)
    scene = _scene_for(obj)
    results = []
    for line in lines:
        with open(line["result_npz"], "rb") as handle:
            results.append(wire.decode_result(handle.read()))
    reports, next_frame = [], int(frame_start)
    for line, result in zip(lines, results):
        strip = add_or_find_strip(scene, line["audio_path"], line.get("strip_name"), next_frame)
        # The result was made from the whole file: place it by the strip's sound offset, cut it to the trims.
        start = scene_data.strip_frame_start(strip, scene_data.scene_fps(scene))
        # (An untrimmed end keeps the model's last frame, which may run a fraction of a frame past the sound.)
        first = int(strip.frame_final_start) if strip.frame_offset_start else start
        end = int(strip.frame_final_end) if strip.frame_offset_end else start + 10**9
        result, start = bake.trim_result(result, start, first, end)
        report = bake.bake_result(scene, obj, result, strip.name, start, mode,
                                  line_id=scene_data.strip_id(strip, scene), sound_start=strip.frame_start)
        next_frame = max(next_frame, int(strip.frame_final_end) + int(gap), report.frame_end + 1 + int(gap))
        scene.frame_end = max(scene.frame_end, report.frame_end)
        reports.append(asdict(report) | {"frame_end": report.frame_end, "blend": os.path.abspath(blend_out)})
    _save(blend_out)
    return reports


def build_head_blend(template_npz, blend_out, fps=None) -> dict:
    """A fresh .blend holding only the default head (Basis + 52 ARKit keys); fps sets the scene's rate."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    if fps:
        set_scene_fps(scene, float(fps))
    obj = head.create_head(template_npz, collection=scene.collection)
    _save(blend_out)
    return {"object": obj.name, "vertices": len(obj.data.vertices),
            "shape_keys": len(obj.data.shape_keys.key_blocks) - 1, "blend": os.path.abspath(blend_out)}


def set_scene_fps(scene, fps):
    """23.976 -> 24000/1001, 29.97 -> 30000/1001; integers stay integers."""
    for base in (1.0, 1.001):
        whole = fps * base
        if abs(whole - round(whole)) < 1e-3:
            scene.render.fps, scene.render.fps_base = int(round(whole)), base
            return
    scene.render.fps, scene.render.fps_base = int(round(fps * 1000)), 1000.0
