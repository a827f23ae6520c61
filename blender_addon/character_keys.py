"""Writes a fit's 52 ARKit shape keys onto a character, and what the fit needs later, without touching the
user's own keys.

Policy for names already taken: a shape key that already carries an ARKit name is the user's and is kept
as it is (never overwritten); the fit adds only the missing ARKit keys and says which it kept. Keys that
an earlier fit made (listed on the object) are replaced only when the user asks for it.
`plan_keys` checks everything first; `write_keys` then writes, so a refused fit writes nothing."""

import json
from dataclasses import dataclass, field

import numpy as np

from .arkit_names import ARKIT_NAMES

FIT_KEY = "lipwright_fit"  # JSON on the object: template, landmarks, report, keys made and kept
CORNERS_KEY = "lipwright_correspondence_corners"            # on the mesh: (V * 3,) default-head vertices
BARYCENTRIC_KEY = "lipwright_correspondence_barycentric"    # on the mesh: (V * 3,) their weights
# On the mesh: the whole correspondence as the backend wrote it (bytes), sent back with every job for this
# character so that a model's motion on the default head is carried over to it.
CORRESPONDENCE_KEY = "lipwright_correspondence"


class FitRefused(ValueError):
    """The fit's result cannot be written onto this character; str() says why and what to do."""


@dataclass
class KeyPlan:
    basis: np.ndarray                  # (V, 3) the Basis the offsets apply to
    offsets: dict[str, np.ndarray]     # name -> (V, 3), for the keys to create or replace
    replaced: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def earlier_fit(obj) -> dict:
    try:
        return json.loads(obj.get(FIT_KEY, "{}"))
    except (ValueError, TypeError):
        return {}


def plan_keys(obj, result: dict, basis_sent: np.ndarray, basis_now: np.ndarray, replace_earlier: bool) -> KeyPlan:
    """Raises FitRefused when the result does not fit this object as it is now."""
    targets, names = result.get("targets"), result.get("target_names")
    if targets is None or names is None:
        raise FitRefused("the backend's answer holds no shape keys; fit again")
    if list(names) != list(ARKIT_NAMES):
        raise FitRefused("the backend's shape keys are not the 52 ARKit keys in their order; update the add-on "
                         "and the backend together")
    vertex_count = len(obj.data.vertices)
    if targets.shape != (len(ARKIT_NAMES), vertex_count, 3) or basis_now.shape != basis_sent.shape:
        raise FitRefused(f"'{obj.name}' has {vertex_count:,} vertices now, not the {targets.shape[1]:,} that were "
                         "fitted: its mesh changed while it was being fitted; fit again")
    if not np.allclose(basis_now, basis_sent, atol=1e-6, rtol=0):
        raise FitRefused(f"the Basis of '{obj.name}' was edited while it was being fitted; fit again")
    if not np.isfinite(targets).all():
        raise FitRefused("the backend's shape keys hold invalid numbers (NaN); fit again and report this")
    keys = obj.data.shape_keys
    existing = {block.name for block in keys.key_blocks} if keys is not None else set()
    made_before = set(earlier_fit(obj).get("created_keys", ())) if replace_earlier else set()
    plan = KeyPlan(basis=basis_now, offsets={})
    for index, name in enumerate(ARKIT_NAMES):
        if name in existing and name not in made_before:
            plan.kept.append(name)
            continue
        if name in existing:
            plan.replaced.append(name)
        plan.offsets[name] = targets[index]
    return plan


def write_keys(obj, plan: KeyPlan) -> list[str]:
    """Adds a Basis when the mesh has none, then the planned keys (at value 0, relative to the Basis);
    the user's keys, their values, order and the active key are left as they were. Returns the names written."""
    active_index = obj.active_shape_key_index
    if obj.data.shape_keys is None:
        obj.shape_key_add(name="Basis", from_mix=False)
    keys = obj.data.shape_keys
    written = []
    for name, offset in plan.offsets.items():
        block = keys.key_blocks.get(name)
        if block is None:
            block = obj.shape_key_add(name=name, from_mix=False)
            block.value = 0.0
        block.relative_key = keys.reference_key
        block.data.foreach_set("co", (plan.basis + offset).astype(np.float32).ravel())
        written.append(name)
    obj.active_shape_key_index = active_index
    obj.data.update()
    return written


def store_fit(obj, result: dict, landmarks: dict, created: list[str], kept: list[str]) -> None:
    """What a later job needs: the template, the landmarks used, the report, the keys made and kept (on
    the object); each vertex's place on the default head (on the mesh)."""
    earlier = earlier_fit(obj)
    previous = set(earlier.get("created_keys", ()))
    meta = result.get("meta", {})
    obj[FIT_KEY] = json.dumps({
        "template": meta.get("template", "default-head"),
        "vertex_count": len(obj.data.vertices),
        "landmarks": {name: [float(v) for v in np.asarray(p).reshape(3)] for name, p in landmarks.items()},
        "report": meta.get("report", {}),
        "created_keys": sorted(previous | set(created)),
        "kept_keys": kept,
        "parts": earlier.get("parts", {}),  # separate meshes an earlier fit drives stay driven (character_parts)
    })
    obj.data[CORNERS_KEY] = np.asarray(result["correspondence_corners"], dtype=np.int32).ravel().tolist()
    obj.data[BARYCENTRIC_KEY] = np.asarray(result["correspondence_barycentric"], dtype=np.float64).ravel().tolist()
    if "correspondence" in result:
        obj.data[CORRESPONDENCE_KEY] = np.asarray(result["correspondence"], dtype=np.uint8).tobytes()


def stored_correspondence(obj) -> bytes | None:
    """The prepared character's correspondence, when it has one that still fits its mesh (None otherwise:
    not prepared, or its vertices were added or removed since)."""
    data = obj.data.get(CORRESPONDENCE_KEY) if obj is not None and obj.type == "MESH" else None
    if not isinstance(data, bytes) or earlier_fit(obj).get("vertex_count") != len(obj.data.vertices):
        return None
    return data


def report_lines(obj) -> list[tuple[str, str]]:
    """(icon, sentence) lines describing the last fit, for the panel."""
    fit = earlier_fit(obj)
    if not fit:
        return []
    report = fit.get("report", {})
    lines = []
    # The landmark at fault first: the full sentence (among the warnings) is longer than a panel line.
    for name in report.get("misplaced_landmarks", []):
        lines.append(("ERROR", f"Landmark {name} looks misplaced: drag it back onto its feature, then fit again"))
    if report.get("poor_areas"):
        lines.append(("ERROR", f"Poor fit at the {', '.join(report['poor_areas'])}"))
    for warning in report.get("warnings", []):
        lines.append(("INFO", warning))
    if not report.get("is_poor", False):
        lines.append(("CHECKMARK", f"Fit is good (median miss {100 * report.get('surface_error_median', 0):.1f}% "
                                   "of the mouth width)"))
    for name, parts in fit.get("parts", {}).items():
        lines.append(("LINKED", f"'{name}' follows the face ({', '.join(p.replace('_', ' ') for p in parts)})"))
    if fit.get("kept_keys"):
        lines.append(("INFO", f"Kept {len(fit['kept_keys'])} existing ARKit-named keys as they were: "
                              f"{', '.join(fit['kept_keys'][:4])}{'…' if len(fit['kept_keys']) > 4 else ''}"))
    return lines
