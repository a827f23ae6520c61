"""Map the model's 52 ARKit weights onto the keys a face actually has (numpy only).

A mapping is a list of rows (source ARKit unit, target shape key, weight): each target's value is
the weighted sum of its sources. The default rows come from the face's key names: ARKit-named keys
take their own unit, a rig's viseme keys (AI, O, E, U, MBP, FV, L, WQ; 'viseme_aa', 'vrc.v_pp'...)
take the units that make that mouth shape in the model's own viseme table, scaled so the viseme's
typical phone drives its key near 1. The user edits the rows on the object.
"""

import re
from dataclasses import dataclass

import numpy as np

from .arkit_names import ARKIT_NAMES, match_arkit_keys


@dataclass(frozen=True)
class MappingRow:
    source: str   # an ARKit unit name
    target: str   # a shape key of the face
    weight: float = 1.0


def _both(unit: str, weight: float) -> tuple:
    return ((unit + "Left", weight), (unit + "Right", weight))


# Sources of each viseme shape. Weights come from the model's phone -> ARKit table (lipwright.motion
# .visemes): e.g. 'AA' opens the jaw 0.60 with the lips apart, so the open-vowel key takes jawOpen x1.6
# less mouthClose x1.6 (ARKit seals the lips with jawOpen == mouthClose).
_JAW_GAP = (("jawOpen", 1.6), ("mouthClose", -1.6))
_VISEME_SOURCES = {
    "ai": _JAW_GAP,
    "e": _both("mouthStretch", 1.4),
    "i": _both("mouthSmile", 1.6),
    "o": (("mouthFunnel", 2.0),),
    "u": (("mouthPucker", 1.2),),
    "wq": (("mouthPucker", 1.1), ("mouthFunnel", 0.4)),
    # Pressed lips count only while the jaw is shut: beside a vowel the model keeps a little press.
    "mbp": (*_both("mouthPress", 1.4), ("jawOpen", -1.0), ("mouthClose", 1.0)),
    "fv": (("mouthRollLower", 1.6),),
    "l": (("tongueOut", 3.0),),
    "th": (("tongueOut", 3.0),),
    "ch": (("mouthFunnel", 1.2), *_both("mouthUpperUp", 1.0)),
    "ss": _both("mouthStretch", 1.1),
    "rr": (("mouthFunnel", 1.2), ("mouthPucker", 0.6)),
}
# Names rigs use for those shapes (compared after normalising: lower case, prefixes and separators gone).
_VISEME_ALIASES = {
    "ai": ("ai", "a", "aa", "ah", "aei", "open"),
    "e": ("e", "eh", "ee"),
    "i": ("i", "ih", "iy"),
    "o": ("o", "oh", "ou"),
    "u": ("u", "uw", "oo", "uh"),
    "wq": ("wq", "w", "q", "wu"),
    "mbp": ("mbp", "bmp", "pbm", "pp", "m", "p", "b", "mb"),
    "fv": ("fv", "ff", "f", "v"),
    "l": ("l", "ld", "dd", "nn", "ln"),
    "th": ("th",),
    "ch": ("ch", "sh", "chj", "shch", "jh"),
    "ss": ("ss", "s", "sz", "cdgknrstxyz", "kk", "etc"),
    "rr": ("rr", "r", "er"),
}
_ALIAS_TO_VISEME = {alias: viseme for viseme, aliases in _VISEME_ALIASES.items() for alias in aliases}
_VISEME_PREFIX = re.compile(r"^(?:vrc[._ ]?v[._ ]|viseme[._ \-]?|vis[._ \-]|v[._ \-]|mouth[._ \-]|phoneme[._ \-]?)")
MOUTH_UNITS = frozenset(name for name in ARKIT_NAMES if name.startswith(("jaw", "mouth", "tongue", "cheekPuff")))


def viseme_of(key_name: str) -> str | None:
    """'viseme_aa' -> 'ai', 'MBP' -> 'mbp', 'vrc.v_ff' -> 'fv'; None for a name that is no viseme."""
    text = _VISEME_PREFIX.sub("", key_name.strip().lower())
    return _ALIAS_TO_VISEME.get(re.sub(r"[^a-z]", "", text))


def default_mapping(key_names) -> list[MappingRow]:
    """Rows for a face with these shape keys: ARKit-named keys first, then viseme keys."""
    names = list(key_names)
    matched = match_arkit_keys(names)
    rows = [MappingRow(unit, key, 1.0) for unit, key in sorted(matched.items(), key=lambda p: ARKIT_NAMES.index(p[0]))]
    taken = set(matched.values())
    if len(matched) < len(MOUTH_UNITS):
        # Stand-ins for common mouth units the face lacks, on a unit it has that moves the lips alike.
        for missing, (stand_in, weight) in _STAND_INS.items():
            if missing not in matched and stand_in in matched:
                rows.append(MappingRow(missing, matched[stand_in], weight))
    used_visemes = set()
    for key in names:
        viseme = viseme_of(key)
        if key in taken or viseme is None or viseme in used_visemes:
            continue
        used_visemes.add(viseme)
        rows.extend(MappingRow(unit, key, weight) for unit, weight in _VISEME_SOURCES[viseme])
    return rows


# (mouthClose is no stand-in for pressed lips: in ARKit it only cancels jawOpen, and more would
# push the lips through each other.)
_STAND_INS = {
    "mouthPucker": ("mouthFunnel", 0.7),
    "mouthFunnel": ("mouthPucker", 0.7),
}


def drives_mouth(rows) -> bool:
    """True when some row moves the mouth: the face can be animated from the weights alone."""
    return any(row.source in MOUTH_UNITS and row.weight != 0 for row in rows)


def mapped_curves(weights: np.ndarray, weight_names, rows) -> dict[str, np.ndarray]:
    """{target key: (frames,) values}: each target the weighted sum of its sources' columns.

    weights: (frames, units). Rows naming a unit the result lacks are skipped; targets keep the
    order of their first row. Values are not clipped here (the slider range is the caller's)."""
    column = {str(name): index for index, name in enumerate(weight_names)}
    curves: dict[str, np.ndarray] = {}
    for row in rows:
        index = column.get(row.source)
        if index is None or not row.target:
            continue
        values = curves.setdefault(row.target, np.zeros(weights.shape[0], dtype=np.float64))
        values += float(row.weight) * weights[:, index]
    return curves
