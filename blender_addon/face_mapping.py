"""The face's key mapping on the Blender side: rows stored on the object, or the default from its key names."""

import numpy as np

from .key_mapping import MOUTH_UNITS, MappingRow, default_mapping, mapped_curves

SILENT = 1e-4  # a key whose mapped curve never leaves +-SILENT in a line is not keyed


def stored_rows(obj) -> list[MappingRow]:
    face = getattr(obj, "lipwright_face", None)
    if face is None:
        return []
    return [MappingRow(row.source, row.target, row.weight) for row in face.mapping]


def rows_for(obj, key_names) -> list[MappingRow]:
    """The user's rows when the object has any, else the default for its keys; rows whose key is gone are dropped."""
    present = set(key_names)
    rows = stored_rows(obj) or default_mapping(key_names)
    return [row for row in rows if row.target in present]


def opens_jaw(obj, key_names) -> bool:
    """True when some key follows the jaw: enough to animate the face from the weights alone."""
    return any(row.source == "jawOpen" and row.weight > 0 for row in rows_for(obj, key_names))


def drives_keys(obj, key_names) -> bool:
    """True when some row drives a key at all (a bake asked for ARKit keys may go ahead)."""
    return any(row.weight != 0 for row in rows_for(obj, key_names))


def mouth_keys(obj, key_names) -> list[str]:
    """The keys the mapping moves with the jaw, lips or tongue: those a line drives."""
    return sorted({row.target for row in rows_for(obj, key_names) if row.source in MOUTH_UNITS and row.weight != 0})


def fill_default(obj, key_names) -> int:
    """Replace the object's rows with the default ones for its keys; returns how many rows."""
    face = obj.lipwright_face
    face.mapping.clear()
    for row in default_mapping(key_names):
        item = face.mapping.add()
        item.source, item.target, item.weight = row.source, row.target, row.weight
    face.mapping_index = 0
    return len(face.mapping)


def planned_curves(obj, weights: np.ndarray, weight_names, key_names):
    """Bake hook: ([(key name, values)], units no key takes) for the object's mapping (values not clipped)."""
    rows = rows_for(obj, key_names)
    curves = mapped_curves(weights, weight_names, rows)
    # Only the keys the line moves (through the mapping's rows) are keyed: lines blend with Add, so a
    # key left alone keeps the user's animation, the blinks and the base track's rest underneath.
    kept = [(key, values) for key, values in curves.items() if np.any(np.abs(values) > SILENT)]
    used = {row.source for row in rows}
    return kept, [str(name) for name in weight_names if str(name) not in used]
