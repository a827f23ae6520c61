"""Separate parts follow a Basis Keys bake: one custom property per unit on the face's shape keys, keyed by the
line, which each part's driver adds to the face's key of the same name.

A Basis Keys bake moves the face's vertices, not its ARKit keys, so the drivers of its separate teeth, tongue
and eyes (character_parts), which read those keys, would leave them still while the mouth opens. The backend
sends such a result with the weights of the units that move parts (the wire's part_weights); the line keys them
on 'lipwright_part <unit>' properties of the face's Key, in its own action: they blend, cross-fade, re-bake,
undo and go away with the line, as its basis keys do, and deform nothing on the face itself. Where no line keys
them they rest at 0, so a weights bake (which keys the face's ARKit keys) drives the parts as before."""

import json

import bpy
import numpy as np

from .character_keys import FIT_KEY

PREFIX = "lipwright_part "
SILENT = 1e-4  # a unit whose weight never leaves +-SILENT in a line is not keyed
MAX_VALUE = 3.0  # line_controls.INTENSITY_MAX: an exaggerated line may push a unit past 1


class FollowError(ValueError):
    """The result's part weights do not fit the line; nothing was changed."""


def property_name(unit: str) -> str:
    return PREFIX + unit


def data_path(unit: str) -> str:
    return f'["{bpy.utils.escape_identifier(property_name(unit))}"]'


def followed_units(face_keys) -> list[str]:
    """The units the face's parts follow in Basis Keys bakes (those with a property on its Key)."""
    if face_keys is None:
        return []
    return [name[len(PREFIX):] for name in face_keys.keys() if name.startswith(PREFIX)]


def ensure_properties(face_keys, units) -> None:
    """A property at 0 on the face's Key for each unit a part is driven by (made at Fit, kept after)."""
    for unit in units:
        name = property_name(unit)
        if name in face_keys:
            continue
        face_keys[name] = 0.0
        face_keys.id_properties_ui(name).update(
            default=0.0, min=0.0, max=MAX_VALUE, soft_min=0.0, soft_max=1.0,
            description=f"How far the separate parts follow {unit} in a Basis Keys bake (keyed by the line)")


def planned_curves(obj, result: dict, frames: int) -> list:
    """[(unit, (frames,) values)] a Basis Keys line keys for the object's parts: the result's part weights of the
    units its parts follow, those that move in the line. Raises FollowError for weights that do not fit."""
    keys = obj.data.shape_keys
    followed = set(followed_units(keys))
    if not followed or "part_weights" not in result:
        return []
    weights = result["part_weights"]
    names = [str(name) for name in result.get("part_weight_names", [])]
    if not isinstance(weights, np.ndarray) or weights.shape != (frames, len(names)) or \
            not np.issubdtype(weights.dtype, np.number) or not np.all(np.isfinite(weights)):
        shape = getattr(weights, "shape", None)
        raise FollowError(f"the result's part weights have shape {shape} or hold invalid numbers; expected "
                          f"({frames}, {len(names)}): generate again")
    return [(name, weights[:, column].astype(np.float64)) for column, name in enumerate(names)
            if name in followed and np.any(np.abs(weights[:, column]) > SILENT)]


def missing_warning(obj, result: dict):
    """A sentence when the face's parts cannot follow this Basis Keys line (fitted before they could); or None."""
    try:
        parts = json.loads(obj.get(FIT_KEY, "{}")).get("parts", {})
    except (ValueError, TypeError, AttributeError):
        return None
    if not parts or "part_weights" not in result or followed_units(obj.data.shape_keys):
        return None
    return (f"{', '.join(repr(name) for name in parts)} follow only the face's ARKit keys, which a Basis Keys bake "
            "leaves at 0: fit the character again (Prepare Character > Fit, parts selected) so that they follow "
            "this line too")


def rest_unkeyed(face_keys, keyed_paths) -> None:
    """Back to 0 the properties no line keys any more (the last value played would otherwise stay)."""
    for unit in followed_units(face_keys):
        if data_path(unit) not in keyed_paths:
            face_keys[property_name(unit)] = 0.0
