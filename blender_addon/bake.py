"""Write a backend result into shape keys and keyframes: ARKit keys from weights, or basis keys from offsets.

Each dialogue strip gets its own action ('Lipwright <strip>') on its own NLA track of the shape-key
datablock, so several lines on one character coexist and the user's active action is untouched.
Below them sits one 'Lipwright rest' track that holds every key Lipwright animates at 0 outside the
lines: Blender 5.0 evaluates NLA channels outside all strips to the property's default, which is 1.0
for a shape key's value there (0.0 in 4.x), and a face with every viseme at full strength is no rest.

Everything is validated before the scene is touched, so an error never leaves a half-written bake.
"""

from dataclasses import dataclass, field

import bpy
import numpy as np

from . import compat, face_mapping, line_store
from .arkit_names import MIN_ARKIT_MATCHES, match_arkit_keys
from .basis import compress_to_basis
from .scene_data import basis_coordinates, scene_fps

MODES = ("AUTO", "ARKIT", "BASIS")
NAME_LIMIT = 63  # shape key, NLA track and (in 4.x) ID names hold 63 characters
REST_TRACK = "Lipwright rest"
BASIS_KEY_PREFIX = "LW "
_BEZIER = 2  # Keyframe.interpolation enum value, for foreach_set
_CONSTANT = 0
FPS_TOLERANCE = 1e-3


class BakeError(ValueError):
    """The result cannot be baked on this object; nothing in the scene was changed."""


@dataclass
class BakeReport:
    mode: str                 # 'ARKIT' or 'BASIS'
    object_name: str
    strip_name: str
    action_name: str
    track_name: str
    frame_start: int
    frame_count: int
    shape_keys: list = field(default_factory=list)  # keys the action animates
    unmatched: list = field(default_factory=list)   # ARKit weights the mesh has no key for
    energy_kept: float = 1.0                         # basis mode: share of the offsets' energy kept
    max_error: float = 0.0                           # basis mode: worst vertex error, object units
    model_warnings: list = field(default_factory=list)  # what the model said about this line

    @property
    def frame_end(self) -> int:
        return self.frame_start + self.frame_count - 1

    def summary(self) -> str:
        what = (
            f"{len(self.shape_keys)} ARKit keys" if self.mode == "ARKIT"
            else f"{len(self.shape_keys)} basis keys ({self.energy_kept * 100:.2f}% of the motion)"
        )
        return f"Baked '{self.strip_name}' on {self.object_name}: {what}, frames {self.frame_start}-{self.frame_end}"


def label(prefix: str, strip_name: str, suffix: str = "") -> str:
    """'Lipwright <strip>' cut to fit Blender's name limit; the suffix (a key number) always survives."""
    room = NAME_LIMIT - len(prefix) - len(suffix)
    return prefix + strip_name[:room] + suffix


def data_path(key_name: str) -> str:
    return f'key_blocks["{bpy.utils.escape_identifier(key_name)}"].value'


# --- Planning: every check, no writes -----------------------------------------------------------

def _as_finite(result, name, ndim):
    array = result.get(name)
    if not isinstance(array, np.ndarray) or array.ndim != ndim or not np.issubdtype(array.dtype, np.number):
        raise BakeError(f"the result's '{name}' is missing or not a {ndim}-D number array")
    if not np.all(np.isfinite(array)):
        raise BakeError(f"the result's '{name}' contains NaN or infinite values")
    return array


def user_key_names(obj):
    keys = obj.data.shape_keys if obj.type == "MESH" else None
    if keys is None:
        return []
    made_by_us = set()
    for track in lipwright_tracks(obj).values():
        for strip in track.strips:
            if strip.action is not None:
                made_by_us.update(strip.action.get("lipwright_keys", []))
    return [kb.name for kb in keys.key_blocks if kb != keys.reference_key and kb.name not in made_by_us]


def choose_mode(obj, result, mode="AUTO") -> str:
    """'ARKIT' when the mesh has ARKit-named keys and the result has weights, else 'BASIS'."""
    if mode not in MODES:
        raise BakeError(f"unknown bake mode '{mode}'; use one of {MODES}")
    matched = match_arkit_keys(user_key_names(obj))
    # i6-controls hook: a face with some ARKit keys or a rig's viseme keys is driven through its key mapping.
    mapped = face_mapping.opens_jaw(obj, user_key_names(obj))
    has_weights = result is None or "weights" in result
    if mode == "ARKIT":
        if not matched and not face_mapping.drives_keys(obj, user_key_names(obj)):
            raise BakeError(f"'{obj.name}' has no shape keys Lipwright can drive (ARKit names such as jawOpen, or "
                            "visemes such as AI, O, MBP); add some, map them in Face Mapping, or use Basis mode")
        if not has_weights:
            raise BakeError("this model gives no ARKit weights; use Basis mode")
        return "ARKIT"
    if mode == "AUTO" and (len(matched) >= MIN_ARKIT_MATCHES or mapped) and has_weights:
        return "ARKIT"
    return "BASIS"


def _plan(scene, obj, result, strip_name, frame_start, mode):
    if obj is None or obj.type != "MESH":
        raise BakeError("the target must be a mesh object")
    if not strip_name:
        raise BakeError("a bake needs the sound strip's name")
    if not isinstance(result, dict):
        raise BakeError("the result is not a decoded backend result")
    # A weights-only result (requested for ARKit keys) has no offsets.
    offsets = _as_finite(result, "offsets", 3) if "offsets" in result or "weights" not in result else None
    if offsets is not None and (offsets.shape[0] < 1 or offsets.shape[2] != 3):
        raise BakeError(f"the result's offsets have shape {offsets.shape}; expected (frames >= 1, vertices, 3)")
    try:
        fps = float(result["fps"])
    except (KeyError, TypeError, ValueError):
        raise BakeError("the result has no frame rate") from None
    wanted = scene_fps(scene)
    if not np.isfinite(fps) or abs(fps - wanted) > FPS_TOLERANCE * wanted:
        raise BakeError(
            f"the result runs at {fps:g} fps but scene '{scene.name}' at {wanted:g} fps; generate again at the scene's rate"
        )
    keys = obj.data.shape_keys
    if keys is not None and keys.animation_data is not None and keys.animation_data.use_tweak_mode:
        raise BakeError(f"the shape keys of '{obj.name}' are in NLA tweak mode; leave it first")
    chosen = choose_mode(obj, result, mode)
    if chosen == "ARKIT":
        weights = _as_finite(result, "weights", 2)
        frames = weights.shape[0] if offsets is None else offsets.shape[0]
        names = [str(n) for n in result.get("weight_names", [])]
        if frames < 1 or weights.shape != (frames, len(names)):
            raise BakeError(f"the result's weights have shape {weights.shape}; expected ({frames}, {len(names)})")
        # i6-controls hook: the face's key mapping makes the curves (line_store clips them after the controls).
        curves, unmatched = face_mapping.planned_curves(obj, weights, names, user_key_names(obj))
        return chosen, frames, curves, unmatched
    if offsets is None:
        raise BakeError(f"'{obj.name}' has no ARKit-named shape keys and the result has no vertex offsets; generate again")
    frames = offsets.shape[0]
    vertex_count = len(obj.data.vertices)
    if offsets.shape[1] != vertex_count:
        raise BakeError(
            f"the result moves {offsets.shape[1]} vertices but '{obj.name}' has {vertex_count}; "
            "generate again for this mesh"
        )
    return chosen, frames, offsets, []


# --- Finding and removing what a strip made ------------------------------------------------------

def lipwright_tracks(obj) -> dict:
    """{strip name: NLA track} for the tracks Lipwright made on the object's shape keys."""
    keys = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
    if keys is None or keys.animation_data is None:
        return {}
    found = {}
    for track in keys.animation_data.nla_tracks:
        for strip in track.strips:
            action = strip.action
            if action is not None and "lipwright_strip" in action:
                found[str(action["lipwright_strip"])] = track
    return found


def _rest_track(keys):
    if keys.animation_data is None:
        return None
    for track in keys.animation_data.nla_tracks:
        for strip in track.strips:
            if strip.action is not None and strip.action.get("lipwright_rest"):
                return track
    return None


def _remove_track(keys, track):
    actions = [strip.action for strip in track.strips if strip.action is not None]
    keys.animation_data.nla_tracks.remove(track)
    for action in actions:
        if action.users == 0:
            bpy.data.actions.remove(action)


def remove_bake(obj, strip_name, keep_rest=False) -> bool:
    """Remove the track, action and basis keys that baking `strip_name` made. True when something went."""
    track = lipwright_tracks(obj).get(strip_name)
    if track is None:
        return False
    keys = obj.data.shape_keys
    made_keys = []
    for strip in track.strips:
        if strip.action is not None:
            made_keys.extend(str(name) for name in strip.action.get("lipwright_keys", []))
    _remove_track(keys, track)
    rest = _rest_track(keys)
    if rest is not None:
        rest_action = rest.strips[0].action
        paths = {data_path(name) for name in made_keys}
        for curve in compat.action_fcurves(rest_action):
            if curve.data_path in paths:
                compat.remove_fcurve(rest_action, compat.first_slot(rest_action), curve)
        if not keep_rest and not lipwright_tracks(obj):
            _remove_track(keys, rest)
    for name in made_keys:
        block = keys.key_blocks.get(name)
        if block is not None and name.startswith(BASIS_KEY_PREFIX):
            obj.shape_key_remove(block)
    return True


# --- Writing -------------------------------------------------------------------------------------

def _write_curve(action, slot, path, frames, values, interpolation):
    curve = compat.new_fcurve(action, slot, path)
    points = curve.keyframe_points
    points.add(len(frames))
    points.foreach_set("co", np.column_stack((frames, values)).astype(np.float32).ravel())
    points.foreach_set("interpolation", np.full(len(frames), interpolation, dtype=np.int32))
    curve.update()  # sorts and computes the Bézier handles
    return curve


def _new_action(keys, name):
    action = bpy.data.actions.new(name)
    if not compat.SLOTTED_ACTIONS and hasattr(action, "id_root"):
        action.id_root = "KEY"
    return action, compat.new_action_for(action, keys)


def _ensure_rest(scene, keys, key_names, first_frame):
    """Hold every animated key at 0 outside the dialogue strips (see the module docstring)."""
    track = _rest_track(keys)
    if track is None:
        action, slot = _new_action(keys, label("Lipwright rest ", keys.name))
        action["lipwright_rest"] = True
        start = min(scene.frame_start, first_frame) - 1
        for name in key_names:
            _write_curve(action, slot, data_path(name), np.array([start, start + 1.0]), np.zeros(2), _CONSTANT)
        track = keys.animation_data.nla_tracks.new()
        track.name = REST_TRACK
        strip = track.strips.new(REST_TRACK, int(start), action)
        compat.assign_nla_strip_slot(strip, slot)
        strip.extrapolation = "HOLD"
        strip.blend_type = "REPLACE"
        return
    action = track.strips[0].action
    slot = compat.first_slot(action)
    present = {curve.data_path for curve in compat.action_fcurves(action)}
    start = track.strips[0].action_frame_start
    for name in key_names:
        if data_path(name) not in present:
            _write_curve(action, slot, data_path(name), np.array([start, start + 1.0]), np.zeros(2), _CONSTANT)


def bake_result(scene, obj, result: dict, strip_name: str, frame_start: int, mode="AUTO", basis=None) -> BakeReport:
    """Bake a decoded result (wire.decode_result) for the sound strip `strip_name` starting at `frame_start`.

    Frame i of the result lands on scene frame frame_start + i (the job asked for the scene's fps).
    Re-baking the same strip replaces only what the previous bake of that strip made.
    basis: compress_to_basis(result["offsets"]) when already computed off the main thread.
    """
    chosen, frame_count, payload, unmatched = _plan(scene, obj, result, strip_name, int(frame_start), mode)
    frame_start = int(frame_start)
    remove_bake(obj, strip_name, keep_rest=True)
    report = BakeReport(
        chosen, obj.name, strip_name, "", label("Lipwright ", strip_name), frame_start, frame_count,
        unmatched=unmatched,
    )
    if chosen == "ARKIT":
        curves = payload
    else:
        offsets = payload
        # The job thread may have compressed already (seconds for long lines): the UI stays free.
        if basis is None or basis.values.shape[0] != offsets.shape[0] or basis.shapes.shape[1:] != offsets.shape[1:]:
            basis = compress_to_basis(offsets)
        if obj.data.shape_keys is None:
            obj.shape_key_add(name="Basis", from_mix=False)
        rest = basis_coordinates(obj)
        curves = []
        for index, shape in enumerate(basis.shapes):
            block = obj.shape_key_add(name=label(BASIS_KEY_PREFIX, strip_name, f" {index:02d}"), from_mix=False)
            block.data.foreach_set("co", (rest + shape).ravel())
            block.slider_min, block.slider_max = -1.0, 1.0
            block.value = 0.0
            curves.append((block.name, basis.values[:, index]))
        report.energy_kept = basis.energy_kept
        report.max_error = float(np.abs(basis.reconstruct() - offsets).max())
    keys = obj.data.shape_keys
    if keys.animation_data is None:
        keys.animation_data_create()
    _ensure_rest(scene, keys, [name for name, _ in curves], frame_start)

    action, slot = _new_action(keys, label("Lipwright ", strip_name))
    action["lipwright_strip"] = strip_name
    action["lipwright_mode"] = chosen
    action["lipwright_keys"] = [name for name, _ in curves] if chosen == "BASIS" else []
    # i6-controls hook: the raw result stays on the action; the line's controls shape the keys written.
    line_store.write_line(scene, obj, strip_name, action, slot, frame_start, curves, result, chosen)
    track = keys.animation_data.nla_tracks.new()
    track.name = report.track_name
    strip = track.strips.new(action.name, frame_start, action)
    compat.assign_nla_strip_slot(strip, slot)
    strip.extrapolation = "NOTHING"
    strip.blend_type = "REPLACE"
    report.action_name = action.name
    report.shape_keys = [name for name, _ in curves]
    return report
