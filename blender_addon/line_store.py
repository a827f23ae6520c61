"""Keep each line's raw result on its action and write its keys through the line's controls.

The model's output is stored on the line's action as float32 ID-property arrays (saved with the
.blend, restored by undo; a 10-minute line at 30 fps is 18,000 x 52 floats = 3.7 MB). Intensity,
smoothing and keyframe reduction live on the sound strip (see line_properties) and are re-applied
from the stored result: the model never runs again for a control change.
"""

import bpy
import numpy as np

from . import compat, part_follow
from .line_controls import INTENSITY_MAX, LineControls, apply_controls, reduce_curves

WEIGHTS = "lipwright_weights"            # (frames, units) the model's ARKit weights, flattened
WEIGHT_NAMES = "lipwright_weight_names"
BASIS_VALUES = "lipwright_basis_values"  # (frames, keys) basis-key values, flattened (basis mode)
BASIS_KEYS = "lipwright_basis_keys"
PART_WEIGHTS = "lipwright_part_weights"  # (frames, units) the weights of the units parts follow (basis mode)
PART_WEIGHT_NAMES = "lipwright_part_weight_names"
VARIATIONS = "lipwright_variations"      # (variations, frames, units) weights of a line generated several times
VARIATION_SEEDS = "lipwright_variation_seeds"
# What reproduces the bake exactly: the model, and for models that sample, the seed and step count.
MADE_BY = {"model": "lipwright_model", "seed": "lipwright_seed", "sampling_steps": "lipwright_sampling_steps"}
FPS = "lipwright_fps"
CONTENT_HASH = "lipwright_content_hash"  # line_hash.content_hash of the inputs the line was baked from
FRAME_START = "lipwright_frame_start"  # where the line's first frame plays (Sync to Strips moves it)
EASE_FRAMES = 3  # each line eases in from rest and out to rest over this many frames
_BEZIER, _LINEAR = 2, 1  # Keyframe.interpolation enum values, for foreach_set


def scene_strip(scene, strip_name):
    return compat.find_strip(scene, strip_name)


def keep_variation(scene, obj, strip_name) -> int:
    """Make the variation the line's Variation control picks the line's own result (its seed recorded),
    drop the others, and re-bake it; returns the kept seed."""
    action = line_action(obj, strip_name)
    variations = stored_variations(action) if action is not None else None
    if variations is None:
        raise LineError(f"'{strip_name}' has no variations to choose from; generate variations first")
    line = getattr(scene_strip(scene, strip_name), "lipwright_line", None)
    chosen = min(int(getattr(line, "variation", 0)), len(variations[1]) - 1)
    _store(action, WEIGHTS, WEIGHT_NAMES, variations[0][chosen], stored_weights(action)[1])
    action[MADE_BY["seed"]] = variations[1][chosen]
    del action[VARIATIONS], action[VARIATION_SEEDS]
    if line is not None:
        line.variation = 0
    reapply_line(scene, obj, strip_name)
    return variations[1][chosen]


def controls_of(scene, strip_name) -> LineControls:
    """The line's controls from its sound strip; the defaults when the strip or the add-on's properties are absent."""
    strip = compat.find_strip(scene, strip_name)
    line = getattr(strip, "lipwright_line", None) if strip is not None else None
    if line is None:
        return LineControls()
    return LineControls(line.intensity, line.smoothing, line.reduction, line.upper_face).clamped()


def _store(action, key, names_key, values, names):
    values = np.ascontiguousarray(values, dtype=np.float32)
    action[key] = values.ravel()
    action[names_key] = [str(name) for name in names]


def _stored(action, key, names_key):
    if action is None or key not in action or names_key not in action:
        return None
    names = [str(name) for name in action[names_key]]
    flat = np.frombuffer(action[key], dtype=np.float32) if len(action[key]) else np.zeros(0, np.float32)
    if not names or flat.size % len(names):
        return None
    return flat.reshape(-1, len(names)).copy(), names


def stored_weights(action):
    """(weights (frames, units), unit names) the line's model gave, or None (a result without weights)."""
    return _stored(action, WEIGHTS, WEIGHT_NAMES)


def stored_basis(action):
    """(values (frames, keys), basis key names) of a basis-mode line, or None."""
    return _stored(action, BASIS_VALUES, BASIS_KEYS)


def write_keys(action, slot, path, frames, values, interpolation):
    curve = compat.new_fcurve(action, slot, path)
    curve.keyframe_points.add(len(frames))
    curve.keyframe_points.foreach_set("co", np.column_stack((frames, values)).astype(np.float32).ravel())
    curve.keyframe_points.foreach_set("interpolation", np.full(len(frames), interpolation, dtype=np.int32))
    curve.update()


def data_path(key_name):
    return f'key_blocks["{bpy.utils.escape_identifier(key_name)}"].value'


def eased(frames: np.ndarray, values: np.ndarray, count: int):
    """Keyed frames (0-based) and values with a key at 0 EASE_FRAMES before and after the line's `count` frames."""
    return (np.concatenate(([-EASE_FRAMES], frames, [count - 1 + EASE_FRAMES])).astype(np.float64),
            np.concatenate(([0.0], values, [0.0])))


def write_curves(obj, action, slot, frame_start, curves, controls: LineControls) -> None:
    """Write curves [(key name, (frames,) values)] from frame_start, shaped by the controls and each
    key's slider range, easing in from 0 and out to 0 around them. With reduction, only the frames
    the curve needs are keyed, LINEAR between them."""
    keys = obj.data.shape_keys
    controls = controls.clamped()
    shaped = []
    for key_name, values in curves:
        block = keys.key_blocks[key_name]
        if key_name.startswith("LW ") and controls.intensity > 1.0:
            # Basis keys hold values in [-1, 1]; exaggerating needs room on the slider.
            block.slider_min, block.slider_max = -INTENSITY_MAX, INTENSITY_MAX
        shaped.append(apply_controls(values, controls, block.slider_min, block.slider_max))
    _write_shaped(action, slot, frame_start, [data_path(key_name) for key_name, _ in curves], shaped, controls)


def write_follow_curves(action, slot, frame_start, follow, controls: LineControls) -> None:
    """Write the part weights [(unit, (frames,) values)] a Basis Keys line keys (part_follow), shaped by the
    controls as its basis keys are, so the parts open as far as the face does."""
    controls = controls.clamped()
    shaped = [apply_controls(values, controls, 0.0, part_follow.MAX_VALUE) for _, values in follow]
    _write_shaped(action, slot, frame_start, [part_follow.data_path(unit) for unit, _ in follow], shaped, controls)


def _write_shaped(action, slot, frame_start, paths, shaped, controls: LineControls) -> None:
    if not shaped:
        return
    kept = reduce_curves(np.column_stack(shaped), controls.tolerance)
    interpolation = _LINEAR if controls.tolerance > 0 else _BEZIER
    for path, values, frames in zip(paths, shaped, kept):
        frames, values = eased(frames, values[frames], len(values))
        write_keys(action, slot, path, frame_start + frames, values, interpolation)


def stored_follow(action, face_keys) -> list:
    """[(unit, values)] of the part weights stored with a Basis Keys line, for the units the face's parts follow."""
    stored = _stored(action, PART_WEIGHTS, PART_WEIGHT_NAMES)
    if stored is None:
        return []
    followed = set(part_follow.followed_units(face_keys))
    return [(name, stored[0][:, column]) for column, name in enumerate(stored[1]) if name in followed]


def stored_variations(action):
    """(weights (variations, frames, units), seeds) of a line generated as variations, or None."""
    weights = stored_weights(action)
    if weights is None or VARIATIONS not in action or VARIATION_SEEDS not in action:
        return None
    seeds = [int(seed) for seed in action[VARIATION_SEEDS]]
    flat = np.frombuffer(action[VARIATIONS], dtype=np.float32)
    frames, units = weights[0].shape
    if not seeds or flat.size != len(seeds) * frames * units:
        return None
    return flat.reshape(len(seeds), frames, units).copy(), seeds


def content_hash(action) -> str:
    """The content hash the line was baked with ('' for lines baked before hashes were kept)."""
    return str(action.get(CONTENT_HASH, "")) if action is not None else ""


def made_by(action) -> dict:
    """The model, seed and sampling steps stored with the line (those it has)."""
    return {name: action[key] for name, key in MADE_BY.items() if action is not None and key in action}


def write_line(scene, obj, strip_name, action, slot, frame_start, curves, result, mode, follow=()) -> None:
    """Bake hook: keep the raw result on the new line's action, then write its curves through its controls.
    follow: [(unit, values)] a Basis Keys line's part weights (part_follow.planned_curves)."""
    if "weights" in result and "weight_names" in result:
        _store(action, WEIGHTS, WEIGHT_NAMES, result["weights"], result["weight_names"])
    if "variations" in result and "variation_seeds" in result:
        action[VARIATIONS] = np.ascontiguousarray(result["variations"], dtype=np.float32).ravel()
        action[VARIATION_SEEDS] = [int(seed) for seed in result["variation_seeds"]]
    meta = result.get("meta") or {}
    for name, key in MADE_BY.items():
        if meta.get(name) is not None:
            action[key] = meta[name] if name == "model" else int(meta[name])
    if meta.get("content_hash"):
        action[CONTENT_HASH] = str(meta["content_hash"])
    if mode == "BASIS":
        _store(action, BASIS_VALUES, BASIS_KEYS, np.column_stack([values for _, values in curves]),
               [name for name, _ in curves])
    if follow:
        _store(action, PART_WEIGHTS, PART_WEIGHT_NAMES, np.column_stack([values for _, values in follow]),
               [unit for unit, _ in follow])
    action[FPS] = float(result["fps"])
    action[FRAME_START] = int(frame_start)
    controls = controls_of(scene, strip_name)
    write_curves(obj, action, slot, int(frame_start), curves, controls)
    write_follow_curves(action, slot, int(frame_start), follow, controls)


class LineError(ValueError):
    """The line cannot be re-applied or exported; nothing was changed."""


def line_nla_strip(obj, strip_name):
    """The NLA strip holding the line Lipwright baked for the sound strip `strip_name` on obj, or None."""
    from .bake import lipwright_tracks  # late: bake imports this module for its hook

    for line, track in lipwright_tracks(obj).items():
        nla_strip = next((strip for strip in track.strips if strip.action is not None), None)
        if nla_strip is not None and strip_name in (line, str(nla_strip.action.get("lipwright_strip", ""))):
            return nla_strip
    return None


def playing_at(nla_strip) -> int:
    """The scene frame where the line's first frame plays now (Sync to Strips or the animator may have
    moved its NLA strip since the bake): its keys start EASE_FRAMES before it."""
    return int(round(nla_strip.frame_start)) + EASE_FRAMES


def line_action(obj, strip_name):
    """The action Lipwright baked for strip_name on obj, or None."""
    nla_strip = line_nla_strip(obj, strip_name)
    return nla_strip.action if nla_strip is not None else None


def reapply_line(scene, obj, strip_name):
    """Re-bake a line from its stored result with its current controls and the face's current mapping,
    where it plays now (Sync to Strips or the animator may have moved its NLA strip since the bake)."""
    from . import bake

    nla_strip = line_nla_strip(obj, strip_name)
    if nla_strip is None:
        raise LineError(f"'{strip_name}' has no Lipwright animation on '{obj.name}'; generate it first")
    action = nla_strip.action
    if str(action.get("lipwright_mode", "ARKIT")) == "ARKIT":
        weights = stored_weights(action)
        if weights is None:
            raise LineError(f"'{strip_name}' was baked before Lipwright kept results on the line; generate it again")
        result = {"weights": weights[0], "weight_names": weights[1], "fps": float(action[FPS]),
                  "meta": {**made_by(action), "content_hash": content_hash(action)}}
        variations = stored_variations(action)
        if variations is not None:  # the variation the line's Variation control picks
            chosen = min(int(getattr(getattr(scene_strip(scene, strip_name), "lipwright_line", None), "variation", 0)),
                         len(variations[1]) - 1)
            result.update(weights=variations[0][chosen], variations=variations[0], variation_seeds=variations[1])
            result["meta"] = {**result["meta"], "seed": variations[1][chosen]}
        placement = {**bake.line_placement(action), "frame_start": playing_at(nla_strip), "mode": "ARKIT"}
        return bake.bake_result(scene, obj, result, **placement)
    basis = stored_basis(action)
    if basis is None:
        raise LineError(f"'{strip_name}' was baked before Lipwright kept results on the line; generate it again")
    values, names = basis
    missing = [name for name in names if name not in obj.data.shape_keys.key_blocks]
    if missing:
        raise LineError(f"the line's basis keys are gone from '{obj.name}' ({missing[0]}...); generate it again")
    # Basis keys are rewritten in place, where the action's keys were (the NLA strip stays put).
    keys_at = int(round(nla_strip.action_frame_start)) + EASE_FRAMES
    slot = compat.first_slot(action)
    for curve in compat.action_fcurves(action):
        compat.remove_fcurve(action, slot, curve)
    controls = controls_of(scene, strip_name)
    write_curves(obj, action, slot, keys_at, [(name, values[:, i]) for i, name in enumerate(names)], controls)
    write_follow_curves(action, slot, keys_at, stored_follow(action, obj.data.shape_keys), controls)
    return None
