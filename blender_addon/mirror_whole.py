"""Make a mirrored half whole for Prepare Character, keeping its shape keys and their animation.

Blender's Apply refuses a mesh with shape keys, so the whole mesh is Blender's own evaluation of the Mirror
modifier alone (faces, UVs, mirrored vertex groups, materials), and each key's positions on it follow from the
vertex order of that evaluation: the half's vertices first (centre ones merged onto the plane), then the mirrored
copy of every vertex not merged. That order is checked against the evaluation each time, never assumed, and
one order serves every key (a key evaluated on its own could merge other vertices and change the count).
The object gets a new mesh of its own: the old one, and any other object using it, stays as it was (undo)."""

from contextlib import contextmanager
from dataclasses import dataclass

import bpy
import numpy as np

from . import scene_data

# Strip and track settings an NLA copy keeps (the rest follows from the action and the frames).
_STRIP_SETTINGS = ("action_frame_start", "action_frame_end", "scale", "repeat", "blend_type", "extrapolation",
                   "blend_in", "blend_out", "influence", "use_animated_influence", "mute", "use_reverse",
                   "use_sync_length", "use_auto_blend")
_TRACK_SETTINGS = ("name", "mute", "lock")


class MirrorRefused(ValueError):
    """This Mirror modifier cannot be made whole here; str() says why and what to do."""


def mirror_modifiers(obj) -> list:
    return [m for m in obj.modifiers if m.type == "MIRROR"] if obj is not None and obj.type == "MESH" else []


def supported_mirror(obj):
    """The one Mirror modifier this can make whole (X axis, first in the stack, no bisect, no mirror object);
    raises MirrorRefused naming the modifier and what to do otherwise."""
    mirrors = mirror_modifiers(obj)
    what = f"'{obj.name}'"
    if len(mirrors) != 1:
        names = ", ".join(m.name for m in mirrors)
        raise MirrorRefused(f"{what} has {len(mirrors)} Mirror modifiers ({names}); Apply Mirror and Prepare makes "
                            "one whole: apply the others by hand first (on a copy without shape keys if need be)")
    mirror = mirrors[0]
    label = f"the Mirror modifier '{mirror.name}' of {what}"
    if obj.mode == "EDIT":
        raise MirrorRefused(f"{what} is in Edit Mode: go back to Object Mode, then prepare it")
    if obj.modifiers.find(mirror.name) != 0:
        raise MirrorRefused(f"{label} comes after '{obj.modifiers[0].name}': move it to the top of the modifier "
                            "stack (it must mirror the half before anything deforms it), then prepare again")
    if not mirror.show_viewport:
        raise MirrorRefused(f"{label} is turned off in the viewport: turn it on to make the half whole, or remove "
                            "it if the mesh is whole already")
    if tuple(mirror.use_axis) != (True, False, False):
        raise MirrorRefused(f"{label} mirrors along {_axes(mirror.use_axis)}: only a mirror along X (left to right) "
                            "is made whole here; apply it by hand, or mirror the half along X")
    if any(mirror.use_bisect_axis) or any(mirror.use_bisect_flip_axis):
        raise MirrorRefused(f"{label} bisects the mesh: turn Bisect off (cut the half at the centre yourself), then "
                            "prepare again")
    if mirror.mirror_object is not None:
        raise MirrorRefused(f"{label} mirrors across '{mirror.mirror_object.name}': clear its Mirror Object so that "
                            "it mirrors across the character's own origin, then prepare again")
    return mirror


def _axes(flags) -> str:
    return "+".join(axis for axis, on in zip("XYZ", flags) if on) or "no axis"


def merged_centre(half: np.ndarray, mirror) -> np.ndarray:
    """Which half vertices the modifier merges with their mirror image (closer to it than its threshold)."""
    if not mirror.use_mirror_merge:
        return np.zeros(len(half), dtype=bool)
    return 2.0 * np.abs(half[:, 0]) < mirror.merge_threshold


def whole_positions(half: np.ndarray, merged: np.ndarray) -> np.ndarray:
    """(V, 3) half-mesh positions -> the whole mesh's, in the Mirror modifier's vertex order."""
    mirrored = half * np.array([-1.0, 1.0, 1.0], dtype=half.dtype)
    first = np.where(merged[:, None], 0.5 * (half + mirrored), half)
    return np.concatenate((first, mirrored[~merged])).astype(np.float32)


@contextmanager
def _mirror_alone(obj, mirror):
    """The Mirror modifier alone in effect, on the Basis alone; everything is put back, also on error."""
    others = [(m, m.show_viewport) for m in obj.modifiers if m != mirror]
    shown = (obj.show_only_shape_key, obj.active_shape_key_index)
    try:
        for modifier, _ in others:
            modifier.show_viewport = False
        obj.show_only_shape_key, obj.active_shape_key_index = True, 0
        yield
    finally:
        for modifier, was in others:
            modifier.show_viewport = was
        obj.show_only_shape_key, obj.active_shape_key_index = shown


def _evaluated_whole(obj, mirror):
    with _mirror_alone(obj, mirror):
        depsgraph = bpy.context.evaluated_depsgraph_get()
        return bpy.data.meshes.new_from_object(obj.evaluated_get(depsgraph), preserve_all_data_layers=True,
                                               depsgraph=depsgraph)


def _positions(mesh) -> np.ndarray:
    co = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
    mesh.vertices.foreach_get("co", co)
    return co.reshape(-1, 3)


def _key_positions(block) -> np.ndarray:
    co = np.empty(len(block.data) * 3, dtype=np.float32)
    block.data.foreach_get("co", co)
    return co.reshape(-1, 3)


def _check_order(obj, whole, half: np.ndarray, merged: np.ndarray) -> None:
    expected = whole_positions(half, merged)
    evaluated = _positions(whole)
    size = float(np.ptp(half, axis=0).max()) if len(half) else 1.0
    if evaluated.shape != expected.shape or not np.allclose(evaluated, expected, atol=1e-5 * max(size, 1e-3), rtol=0):
        raise MirrorRefused(f"the Mirror modifier of '{obj.name}' does not give the plain mirrored copy this expects "
                            f"({len(evaluated):,} vertices, {len(expected):,} expected): apply it by hand on a copy "
                            "without shape keys, or report this with the file")


@dataclass
class WholeMesh:
    """The object wears its new whole mesh; `revert` gives it back its half, `finish` removes the Mirror
    modifier (and points drivers elsewhere at the new keys) once the rest of the writes are sure."""
    obj: object
    mirror_name: str
    half: object
    whole: object

    def revert(self) -> None:
        self.obj.data = self.half
        bpy.data.meshes.remove(self.whole)

    def finish(self) -> None:
        self.obj.modifiers.remove(self.obj.modifiers[self.mirror_name])
        if self.half.users == 0 and self.half.shape_keys is not None:  # nothing uses the half's keys any more
            _retarget_drivers(self.half.shape_keys, self.whole.shape_keys, self.half, self.whole)


def whole_mesh_data(obj) -> scene_data.MeshData:
    """What the backend needs of the whole face (its Basis as `make_whole` will write it), changing nothing."""
    mirror = supported_mirror(obj)
    half = scene_data.basis_coordinates(obj)
    merged = merged_centre(half, mirror)
    whole = _evaluated_whole(obj, mirror)
    try:
        _check_order(obj, whole, half, merged)
        faces_flat, sizes = scene_data.mesh_faces(whole)
    finally:
        bpy.data.meshes.remove(whole)
    return scene_data.MeshData(whole_positions(half, merged), faces_flat, sizes)


def make_whole(obj) -> WholeMesh:
    """Give `obj` a new whole mesh with its shape keys (and their animation) carried over. The Mirror modifier
    stays until `finish`. Raises MirrorRefused with nothing changed."""
    mirror = supported_mirror(obj)
    half = obj.data
    basis = scene_data.basis_coordinates(obj)
    merged = merged_centre(basis, mirror)
    whole = _evaluated_whole(obj, mirror)
    made = WholeMesh(obj, mirror.name, half, whole)
    shown = (obj.show_only_shape_key, obj.active_shape_key_index)
    try:
        _check_order(obj, whole, basis, merged)
        whole.vertices.foreach_set("co", whole_positions(basis, merged).ravel())  # as the job's Basis is sent
        for name in half.keys():  # the user's own properties on the mesh
            whole[name] = half[name]
        obj.data = whole
        if half.shape_keys is not None:
            _copy_keys(obj, half, half.shape_keys, merged)
            _copy_animation(half.shape_keys, whole.shape_keys, half, whole)
        obj.show_only_shape_key, obj.active_shape_key_index = shown
    except Exception:
        made.revert()
        obj.show_only_shape_key, obj.active_shape_key_index = shown
        raise
    return made


def _group_weights(mesh, group_index: int) -> np.ndarray:
    weights = np.zeros(len(mesh.vertices), dtype=np.float32)
    for vertex in mesh.vertices:
        for element in vertex.groups:
            if element.group == group_index:
                weights[vertex.index] = element.weight
    return weights


def _key_group(obj, half, name: str, merged: np.ndarray) -> str:
    """The vertex group a key limited to `name` needs on the whole mesh to look as it did: on the half, the
    modifier mirrored the key's effect, weights and all. When mirroring moved the weights to another group
    (cheek.L -> cheek.R), a group with both sides is made beside the user's, which stay as they are."""
    group = obj.vertex_groups.get(name)
    if group is None:
        return name
    on_half = _group_weights(half, group.index)
    both = np.concatenate((on_half, on_half[~merged]))
    if np.allclose(_group_weights(obj.data, group.index), both, atol=1e-6):
        return name
    made = obj.vertex_groups.get(f"{name} both sides") or obj.vertex_groups.new(name=f"{name} both sides")
    for weight in np.unique(both[both > 0]):
        made.add(np.flatnonzero(both == weight).tolist(), float(weight), "REPLACE")
    return made.name


def _copy_keys(obj, half, source, merged: np.ndarray) -> None:
    for block in source.key_blocks:
        key = obj.shape_key_add(name=block.name, from_mix=False)
        key.data.foreach_set("co", whole_positions(_key_positions(block), merged).ravel())
        key.slider_max = block.slider_max
        key.slider_min = block.slider_min
        key.slider_max = block.slider_max  # again: the first may have been clamped by the old minimum
        key.value, key.mute = block.value, block.mute
        key.interpolation = block.interpolation
        key.vertex_group = _key_group(obj, half, block.vertex_group, merged) if block.vertex_group else ""
        if hasattr(block, "lock_shape"):
            key.lock_shape = block.lock_shape
    target = obj.data.shape_keys
    for block in source.key_blocks:
        target.key_blocks[block.name].relative_key = target.key_blocks[block.relative_key.name]
    target.use_relative = source.use_relative
    target.eval_time = source.eval_time


def _copy_animation(source, target, half, whole) -> None:
    """The Key's action (and its slot), NLA tracks and drivers, copied so that the other users of the half keep
    theirs; the key names are the same, so every data path holds."""
    old = source.animation_data
    if old is None:
        return
    new = target.animation_data_create()
    for setting in ("action_extrapolation", "action_blend_type", "action_influence", "use_nla"):
        setattr(new, setting, getattr(old, setting))
    if old.action is not None:
        new.action = old.action
        if getattr(old, "action_slot", None) is not None:
            new.action_slot = old.action_slot
    for track in old.nla_tracks:
        copy = new.nla_tracks.new()
        for setting in _TRACK_SETTINGS:
            setattr(copy, setting, getattr(track, setting))
        for strip in track.strips:
            made = copy.strips.new(strip.name, int(strip.frame_start), strip.action)
            for setting in _STRIP_SETTINGS:
                if hasattr(strip, setting):
                    setattr(made, setting, getattr(strip, setting))
            if getattr(strip, "action_slot", None) is not None:
                made.action_slot = strip.action_slot
    for driver in old.drivers:
        copy = new.drivers.from_existing(src_driver=driver)
        _retarget(copy, {source: target, half: whole})


def _retarget(curve, swaps: dict) -> None:
    for variable in curve.driver.variables:
        for target in variable.targets:
            if target.id in swaps:
                target.id = swaps[target.id]


def _retarget_drivers(old_key, new_key, half, whole) -> None:
    """Drivers elsewhere (a separate part driven by a face key) that read the half's keys read the new ones."""
    swaps = {old_key: new_key, half: whole}
    for collection in (bpy.data.objects, bpy.data.meshes, bpy.data.shape_keys, bpy.data.materials,
                       bpy.data.armatures, bpy.data.node_groups):
        for block in collection:
            data = getattr(block, "animation_data", None)
            if block in swaps or data is None:
                continue
            for curve in data.drivers:
                _retarget(curve, swaps)
