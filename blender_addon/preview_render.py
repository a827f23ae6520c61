"""Renders a few frames of a face close-up with Workbench, for previews and the demo's picture."""

import os

import bpy
from mathutils import Vector


def _face_camera(scene, obj, size: int):
    """A camera in front of the face (-Y side), framing the head's upper part."""
    corners = [obj.matrix_world @ Vector(c) for c in obj.bound_box]
    low, high = Vector([min(c[i] for c in corners) for i in range(3)]), Vector([max(c[i] for c in corners) for i in range(3)])
    height = high.z - low.z
    # The lower half of the face: nose to chin, where speech shows.
    target = Vector(((low.x + high.x) / 2, low.y, high.z - 0.62 * height))
    data = bpy.data.cameras.new("Lipwright preview")
    data.lens = 85.0
    camera = bpy.data.objects.new("Lipwright preview", data)
    scene.collection.objects.link(camera)
    distance = 0.5 * height * data.lens / 36.0
    camera.location = target + Vector((0.0, -distance, 0.0))
    camera.rotation_euler = (1.5708, 0.0, 0.0)  # look along +Y
    scene.camera = camera
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    return camera


def render_frames(blend: str, object_name: str, frames: list, out_dir: str, size: int = 320) -> list:
    """Renders `frames` of `blend` to PNGs in `out_dir`; returns their paths. Does not save the .blend."""
    bpy.ops.wm.open_mainfile(filepath=blend)
    scene = bpy.context.scene
    obj = bpy.data.objects.get(object_name)
    if obj is None:
        raise ValueError(f"no object named '{object_name}' in {blend}")
    _face_camera(scene, obj, size)
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "SINGLE"
    scene.display.shading.single_color = (0.8, 0.62, 0.52)
    scene.render.image_settings.file_format = "PNG"
    paths = []
    for frame in frames:
        scene.frame_set(int(frame))
        scene.render.filepath = os.path.join(out_dir, f"frame_{int(frame):05d}.png")
        bpy.ops.render.render(write_still=True)
        paths.append(scene.render.filepath)
    return paths
