"""Write a backend result into shape keys and keyframes: ARKit keys from weights, or basis keys from offsets.

Layering, so that the user's own animation keeps playing:
- Each dialogue line gets its own action ('Lipwright <strip>') on its own NLA track of the shape-key
  datablock, blended with ADD and extrapolation NOTHING, easing in from 0 and out to 0 a few frames
  around the line: outside its strip a line adds nothing, and the user's tracks and active action
  keep playing inside and outside the lines.
- Only the keys a line actually moves are keyed (nonzero somewhere in the line, through the face's
  key mapping: face_mapping.planned_curves).
- Blender resets an NLA-animated channel to its RNA default where no strip covers it, and that
  default is 1.0 for a shape key's value in 5.0 (0.0 in 4.x). One 'Lipwright base' track at the
  BOTTOM of the stack holds only the keys the lines drive at 0: every track of the user sits above
  it, so it overrides nothing but that default.
- A re-bake replaces the line's strip in place: its track keeps its position (a user's tweak track
  above a line stays above it).
- A line is identified by the sound strip's stable id (a custom property on the strip), not only
  by its name, so renaming a strip does not leave a duplicate track behind.

Everything is validated before the scene is touched, so an error never leaves a half-written bake.
"""

from dataclasses import dataclass, field

import bpy
import numpy as np

from . import compat, face_mapping, line_overlap, line_store, part_follow
from .arkit_names import MIN_ARKIT_MATCHES, match_arkit_keys
from .basis import compress_to_basis
from .line_controls import scale_upper_face
from .line_store import EASE_FRAMES, data_path, write_keys
from .scene_data import basis_coordinates, scene_fps

MODES = ("AUTO", "ARKIT", "BASIS")
NAME_LIMIT = 63  # shape key, NLA track and (in 4.x) ID names hold 63 bytes of UTF-8
BASE_TRACK = "Lipwright base"
BLINKS_MARK = "lipwright_blinks"  # on the blinks' action (blinks.py): they Add over the base track too
BASIS_KEY_PREFIX = "LW "
_CONSTANT = 0  # Keyframe.interpolation enum value, for foreach_set
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
    model_warnings: list = field(default_factory=list)  # what the model (and the bake) said about this line
    part_units: list = field(default_factory=list)      # basis mode: units keyed for the separate parts

    @property
    def frame_end(self) -> int:
        return self.frame_start + self.frame_count - 1

    def summary(self) -> str:
        what = (
            f"{len(self.shape_keys)} ARKit keys" if self.mode == "ARKIT"
            else f"{len(self.shape_keys)} basis keys ({self.energy_kept * 100:.2f}% of the motion)"
        )
        if self.part_units:
            count = len(self.part_units)
            what += f", separate parts following {count} unit{'s' if count != 1 else ''}"
        return f"Baked '{self.strip_name}' on {self.object_name}: {what}, frames {self.frame_start}-{self.frame_end}"


def fit_name(text: str, limit: int = NAME_LIMIT) -> str:
    """`text` cut to `limit` bytes of UTF-8 at a character boundary (Blender cuts mid-character)."""
    return text.encode("utf-8")[:max(limit, 0)].decode("utf-8", errors="ignore")


def label(prefix: str, strip_name: str, suffix: str = "") -> str:
    """'Lipwright <strip>' cut to fit Blender's name limit; the suffix (a key number) always survives."""
    room = NAME_LIMIT - len(prefix.encode("utf-8")) - len(suffix.encode("utf-8"))
    return prefix + fit_name(strip_name, room) + suffix


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


def check_editable(obj) -> None:
    """Refuse a character whose object, mesh or shape keys come from a library: keys written there
    would not be saved or would not play, yet the bake would look done."""
    if obj is None or obj.type != "MESH":
        raise BakeError("the target must be a mesh object")
    keys = obj.data.shape_keys
    for what, block in (("object", obj), ("mesh", obj.data), ("shape keys", keys)):
        library = getattr(block, "library", None) if block is not None else None
        if library is not None:
            raise BakeError(
                f"the {what} of '{obj.name}' is linked from '{library.filepath}' and cannot be animated here; "
                "make it local (Object > Relations > Make Local > All), or bake in the library's own file"
            )


def check_not_driven(obj, key_names) -> None:
    """Refuse keys that a driver (a face rig) sets: NLA keys on them would never play."""
    keys = obj.data.shape_keys
    if keys is None or keys.animation_data is None:
        return
    paths = {data_path(name): name for name in key_names}
    driven = [paths[d.data_path] for d in keys.animation_data.drivers if d.data_path in paths]
    if driven:
        shown = ", ".join(driven[:5]) + (" ..." if len(driven) > 5 else "")
        raise BakeError(
            f"{len(driven)} shape key(s) of '{obj.name}' are driven by drivers ({shown}): keys baked there would "
            "not play; bake onto the rig's controls instead, or remove those drivers"
        )


def check_bakeable(obj) -> None:
    """The up-front checks a job makes before the model runs: an editable character whose mouth keys
    (those its key mapping moves with the jaw, lips or tongue) no driver sets."""
    check_editable(obj)
    check_not_driven(obj, face_mapping.mouth_keys(obj, user_key_names(obj)))


def _plan(scene, obj, result, strip_name, frame_start, mode):
    check_editable(obj)
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
        # The upper face's own intensity scales its units before the mapping (the stored result stays raw).
        weights = scale_upper_face(weights, names, line_store.controls_of(scene, strip_name).upper_face)
        # i6-controls hook: the face's key mapping makes the curves (line_store clips them after the controls).
        curves, unmatched = face_mapping.planned_curves(obj, weights, names, user_key_names(obj))
        check_not_driven(obj, [name for name, _ in curves])
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
    try:  # the separate parts follow the line through the face's part_follow properties
        follow = part_follow.planned_curves(obj, result, frames)
    except part_follow.FollowError as error:
        raise BakeError(str(error)) from None
    return chosen, frames, (offsets, follow), []


# --- Finding and removing what a line made -------------------------------------------------------

def line_key(action) -> str:
    """The line an action belongs to: the sound strip's stable id, or its name for older bakes."""
    return str(action.get("lipwright_line") or action.get("lipwright_strip", ""))


def lipwright_tracks(obj) -> dict:
    """{line key: NLA track} for the line tracks Lipwright made on the object's shape keys."""
    keys = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
    if keys is None or keys.animation_data is None:
        return {}
    found = {}
    for track in keys.animation_data.nla_tracks:
        for strip in track.strips:
            action = strip.action
            if action is not None and "lipwright_strip" in action:
                found[line_key(action)] = track
    return found


def line_placement(action) -> dict:
    """Where a baked line sits, as bake_result's keyword arguments: re-bake it from a post-processed
    result (bake_result(scene, obj, result, **line_placement(action)))."""
    sound_start = action.get("lipwright_sound_start")
    return {"strip_name": str(action["lipwright_strip"]), "frame_start": int(action.get("lipwright_frame_start", 0)),
            "mode": str(action.get("lipwright_mode", "AUTO")), "line_id": line_key(action),
            "sound_start": None if sound_start is None else float(sound_start)}


def line_actions(obj) -> list:
    """The action of each Lipwright line on the object, in track order."""
    return [track.strips[0].action for track in lipwright_tracks(obj).values() if len(track.strips)]


def tracks_marked(keys, mark):
    if keys is None or keys.animation_data is None:
        return []
    return [track for track in keys.animation_data.nla_tracks
            if any(strip.action is not None and strip.action.get(mark) for strip in track.strips)]


def remove_track(keys, track):
    actions = [strip.action for strip in track.strips if strip.action is not None]
    keys.animation_data.nla_tracks.remove(track)
    _remove_unused(actions)


def _remove_unused(actions):
    for action in actions:
        if action.users == 0:
            bpy.data.actions.remove(action)


def _clear_track(track):
    """Remove the track's strips (and their actions when nothing else uses them); the track stays."""
    actions = [strip.action for strip in track.strips if strip.action is not None]
    for strip in list(track.strips):
        track.strips.remove(strip)
    _remove_unused(actions)


def _line_key_names(action) -> list:
    return [c.data_path for c in compat.action_fcurves(action)]


def sync_base(keys):
    """Keep the base track's channels equal to the union of the lines' and blinks' channels; drop it when
    none is left. The parts' follow properties no line keys any more go back to 0."""
    bases = tracks_marked(keys, "lipwright_base")
    wanted = set()
    for track in keys.animation_data.nla_tracks if keys is not None and keys.animation_data is not None else ():
        for strip in track.strips:
            if strip.action is not None and ("lipwright_strip" in strip.action or BLINKS_MARK in strip.action):
                wanted.update(_line_key_names(strip.action))
    part_follow.rest_unkeyed(keys, wanted)
    if not bases:
        return
    for track in bases:
        if not wanted:
            remove_track(keys, track)
            continue
        action = track.strips[0].action
        for curve in compat.action_fcurves(action):
            if curve.data_path not in wanted:
                compat.remove_fcurve(action, compat.first_slot(action), curve)


def _take_line(obj, line, keep_track):
    """Remove what baking `line` made. Returns (found, the emptied track when keep_track)."""
    tracks = lipwright_tracks(obj)
    track = tracks.get(line)
    if track is None:  # a line baked before strips had ids, or asked for by the strip's name
        track = next((t for t in tracks.values() if len(t.strips) and t.strips[0].action is not None
                      and str(t.strips[0].action.get("lipwright_strip")) == line), None)
    if track is None:
        return False, None
    keys = obj.data.shape_keys
    made_keys = []
    for strip in track.strips:
        if strip.action is not None:
            made_keys.extend(str(name) for name in strip.action.get("lipwright_keys", []))
    if keep_track:
        _clear_track(track)
    else:
        remove_track(keys, track)
        track = None
        sync_base(keys)
    for name in made_keys:
        block = keys.key_blocks.get(name)
        if block is not None and name.startswith(BASIS_KEY_PREFIX):
            obj.shape_key_remove(block)
    return True, track


def remove_bake(obj, line) -> bool:
    """Remove the track, action and basis keys that baking line `line` (strip id or name) made.
    True when something went."""
    removed = _take_line(obj, line, keep_track=False)[0]
    line_overlap.crossfade_lines(obj)
    return removed


# --- Writing -------------------------------------------------------------------------------------

def new_action(keys, name):
    action = bpy.data.actions.new(name)
    if not compat.SLOTTED_ACTIONS and hasattr(action, "id_root"):
        action.id_root = "KEY"
    return action, compat.new_action_for(action, keys)


def ensure_base(keys, paths):
    """The bottom track that holds the lines' (and blinks') keys at 0 where no strip plays (see the module
    docstring)."""
    for old in tracks_marked(keys, "lipwright_rest"):  # the old overriding rest track of earlier versions
        remove_track(keys, old)
    bases = tracks_marked(keys, "lipwright_base")
    if bases:
        action = bases[0].strips[0].action
        slot = compat.first_slot(action)
    else:
        action, slot = new_action(keys, label("Lipwright base ", keys.name))
        action["lipwright_base"] = True
        track = keys.animation_data.nla_tracks.new()
        track.name = BASE_TRACK
        strip = track.strips.new(BASE_TRACK, 1, action)
        compat.assign_nla_strip_slot(strip, slot)
        strip.extrapolation = "HOLD"
        strip.blend_type = "REPLACE"
        compat.move_nla_track_to_bottom(keys, track)
    present = {curve.data_path for curve in compat.action_fcurves(action)}
    for path in paths:
        if path not in present:
            write_keys(action, slot, path, np.array([1.0, 2.0]), np.zeros(2), _CONSTANT)


def unique_track_name(keys, name, track):
    taken = {t.name for t in keys.animation_data.nla_tracks if t != track}
    candidate, number = name, 2
    while candidate in taken:
        suffix = f" {number}"
        candidate, number = fit_name(name, NAME_LIMIT - len(suffix)) + suffix, number + 1
    return candidate


def trim_result(result: dict, frame_start: int, first: int, end: int) -> tuple:
    """The result cut to scene frames first..end-1 (a trimmed strip's visible range) when frame i of it
    plays at frame_start + i: (the cut result, its new frame_start). Trimmed-off speech moves nothing."""
    lo, hi = max(first - frame_start, 0), max(end - frame_start, 0)
    cut = dict(result)
    for name in ("offsets", "weights", "part_weights"):
        if isinstance(result.get(name), np.ndarray):
            cut[name] = result[name][lo:hi]
    return cut, frame_start + lo


def bake_result(scene, obj, result: dict, strip_name: str, frame_start: int, mode="AUTO", basis=None,
                line_id: str = "", sound_start=None) -> BakeReport:
    """Bake a decoded result (wire.decode_result) for the sound strip `strip_name` starting at `frame_start`.

    Frame i of the result lands on scene frame frame_start + i (the job asked for the scene's fps).
    Re-baking the same line (same line_id, else same strip name) replaces what its previous bake made,
    in place on the same NLA track.
    basis: compress_to_basis(result["offsets"]) when already computed off the main thread.
    line_id: the sound strip's stable id (scene_data.strip_id); sound_start: the strip's frame_start
    when it was read, so that Sync to Strips can follow the strip when it moves.
    """
    chosen, frame_count, payload, unmatched = _plan(scene, obj, result, strip_name, int(frame_start), mode)
    frame_start = int(frame_start)
    key = line_id or strip_name
    track = _take_line(obj, key, keep_track=True)[1]  # a re-bake refills the same track, in place
    report = BakeReport(
        chosen, obj.name, strip_name, "", label("Lipwright ", strip_name), frame_start, frame_count,
        unmatched=unmatched,
    )
    follow = []
    if chosen == "ARKIT":
        curves = payload
    else:
        offsets, follow = payload
        curves, report.energy_kept, report.max_error = _basis_curves(obj, offsets, strip_name, basis)
        warning = part_follow.missing_warning(obj, result)
        report.model_warnings.extend([warning] if warning else [])
    keys = obj.data.shape_keys
    if keys.animation_data is None:
        keys.animation_data_create()
    if curves or follow:  # a silent line keys nothing, so it needs no base
        ensure_base(keys, [data_path(name) for name, _ in curves] + [part_follow.data_path(u) for u, _ in follow])

    action, slot = new_action(keys, label("Lipwright ", strip_name))
    action["lipwright_strip"] = strip_name
    action["lipwright_line"] = key
    action["lipwright_mode"] = chosen
    action["lipwright_keys"] = [name for name, _ in curves] if chosen == "BASIS" else []
    action["lipwright_frame_start"] = frame_start
    if sound_start is not None:
        action["lipwright_sound_start"] = float(sound_start)
    # i6-controls hook: the raw result stays on the action; the line's controls shape the keys written.
    line_store.write_line(scene, obj, strip_name, action, slot, frame_start, curves, result, chosen, follow)
    if track is None:
        track = keys.animation_data.nla_tracks.new()
    track.name = unique_track_name(keys, report.track_name, track)
    strip = track.strips.new(fit_name(action.name), frame_start - EASE_FRAMES, action)
    compat.assign_nla_strip_slot(strip, slot)
    strip.extrapolation = "NOTHING"
    strip.blend_type = "ADD"
    sync_base(keys)  # a re-bake may drive fewer keys than before
    line_overlap.crossfade_lines(obj)  # the character's lines that overlap this one cross-fade with it
    report.track_name = track.name
    report.action_name = action.name
    report.shape_keys = [name for name, _ in curves]
    report.part_units = [unit for unit, _ in follow]
    return report


def _basis_curves(obj, offsets, strip_name, basis):
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
    return curves, basis.energy_kept, float(np.abs(basis.reconstruct() - offsets).max())
