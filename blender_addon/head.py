"""Create the default Lipwright head (Basis + 52 ARKit shape keys) from the template npz."""

import io
import json

import bpy
import numpy as np

TEMPLATE_KEYS = ("vertices", "faces_flat", "face_sizes", "targets", "target_names", "landmark_names", "landmark_index")
HEAD_NAME = "Lipwright Head"


class TemplateError(ValueError):
    """The template data cannot make a head; the message says which part."""


def load_template(source) -> dict:
    """source: a path, npz bytes, or a dict already loaded. Returns checked arrays."""
    if isinstance(source, dict):
        template = dict(source)
    else:
        try:
            handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
            with np.load(handle, allow_pickle=False) as npz:
                template = {key: npz[key] for key in npz.files}
        except Exception as error:
            raise TemplateError(f"the head template is not a readable npz archive ({error})") from None
    missing = [key for key in TEMPLATE_KEYS if key not in template]
    if missing:
        raise TemplateError(f"the head template lacks {missing}")
    vertices = np.asarray(template["vertices"], dtype=np.float32)
    targets = np.asarray(template["targets"], dtype=np.float32)
    sizes = np.asarray(template["face_sizes"], dtype=np.int32)
    flat = np.asarray(template["faces_flat"], dtype=np.int32)
    names = [str(name) for name in template["target_names"]]
    if vertices.ndim != 2 or vertices.shape[1] != 3:
        raise TemplateError(f"template vertices have shape {vertices.shape}; expected (V, 3)")
    if targets.shape != (len(names), len(vertices), 3):
        raise TemplateError(f"template targets have shape {targets.shape}; expected ({len(names)}, {len(vertices)}, 3)")
    if sizes.sum() != len(flat) or (len(flat) and (flat.min() < 0 or flat.max() >= len(vertices))):
        raise TemplateError("template faces do not index the template vertices")
    template.update(vertices=vertices, targets=targets, face_sizes=sizes, faces_flat=flat, target_names=names)
    return template


def mesh_from_arrays(name, vertices, faces_flat, face_sizes):
    """A new mesh datablock filled through foreach_set (fast for tens of thousands of vertices)."""
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(len(vertices))
    mesh.vertices.foreach_set("co", np.ascontiguousarray(vertices, dtype=np.float32).ravel())
    mesh.loops.add(len(faces_flat))
    mesh.loops.foreach_set("vertex_index", np.ascontiguousarray(faces_flat, dtype=np.int32))
    mesh.polygons.add(len(face_sizes))
    starts = np.concatenate(([0], np.cumsum(face_sizes)[:-1])).astype(np.int32)
    mesh.polygons.foreach_set("loop_start", starts)
    mesh.update(calc_edges=True)
    mesh.validate(clean_customdata=False)
    mesh.polygons.foreach_set("use_smooth", np.ones(len(face_sizes), dtype=bool))
    mesh.update()
    return mesh


def create_head(template, name=HEAD_NAME, collection=None, location=(0.0, 0.0, 0.0)):
    """Add the default head to `collection` (the scene's by default) and return the object.

    template: anything load_template accepts. The object gets a Basis key plus one key per target
    (the 52 ARKit names), and `obj['lipwright_landmarks']` = JSON {landmark name: vertex index}.
    """
    template = load_template(template)
    vertices = template["vertices"]
    mesh = mesh_from_arrays(name, vertices, template["faces_flat"], template["face_sizes"])
    obj = bpy.data.objects.new(name, mesh)
    (collection or bpy.context.scene.collection).objects.link(obj)
    obj.location = location
    obj.shape_key_add(name="Basis", from_mix=False)
    for target_name, target in zip(template["target_names"], template["targets"]):
        block = obj.shape_key_add(name=target_name, from_mix=False)
        block.data.foreach_set("co", (vertices + target).ravel())
        block.value = 0.0  # Blender 5.0 starts new keys at 1.0
    landmarks = {str(n): int(i) for n, i in zip(template["landmark_names"], template["landmark_index"])}
    obj["lipwright_landmarks"] = json.dumps(landmarks)
    obj["lipwright_head"] = True
    return obj
