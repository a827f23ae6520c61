"""A character's separate teeth, tongue and eye meshes: sent with the fit, given the ARKit keys that move them,
each key driven by the face's key of the same name plus the line's weight for that unit in a Basis Keys bake
(part_follow).

Drivers make the parts follow whatever moves the face's keys: a baked line, the user's own keyframes, the
preview slider, a hand on the slider; and a Basis Keys line, which keys the face's part_follow properties
(drivers made before those existed follow the face's keys only, until the next fit makes them anew).
The parts' own keys are never overwritten: a key already named like an ARKit unit is the user's and stays
as it is, undriven; keys an earlier fit made are remade only on request.
`plan_parts` checks everything first; `write_parts` then writes, so a refused fit writes nothing."""

import json
from dataclasses import dataclass, field

import numpy as np

from . import part_follow
from .arkit_names import ARKIT_NAMES
from .character_keys import FIT_KEY, earlier_fit, write_keys
from .scene_data import basis_coordinates, mesh_data

PART_KEY = "lipwright_part_of"  # JSON on a part object: the character, the parts found, the keys made and kept


class PartRefused(ValueError):
    """A part cannot take the fit's keys as it is now; str() says why and what to do."""


@dataclass
class SentPart:
    """What was sent for one part: its name, and its Basis as it was then (in its own object space)."""

    object_name: str
    basis: np.ndarray


@dataclass
class PartPlan:
    obj: object
    basis: np.ndarray                  # (V, 3) in the part's own space
    offsets: dict                      # key name -> (V, 3) in the part's own space
    parts: list                        # the parts the backend found in it (upper_teeth, eye_left ...)
    replaced: list = field(default_factory=list)
    kept: list = field(default_factory=list)


def part_candidates(character, selected) -> list:
    """The selected meshes besides the character: its teeth, tongue and eyes (the user selects them, the face
    last, as for Blender's own "selected to active" tools)."""
    return [obj for obj in selected if obj.type == "MESH" and obj != character and obj.data != character.data]


def to_character_space(character, part) -> np.ndarray:
    """(4, 4) the map from the part's object space to the character's."""
    return np.array(character.matrix_world.inverted() @ part.matrix_world)


def parts_request(character, parts) -> tuple[list, list]:
    """(each part's (vertices in the character's space, faces_flat, face_sizes), what was sent for each)."""
    sent, meshes = [], []
    for part in parts:
        mesh = mesh_data(part)
        placing = to_character_space(character, part)
        if abs(np.linalg.det(placing[:3, :3])) < 1e-12:
            raise PartRefused(f"'{part.name}' is scaled to nothing relative to '{character.name}': give it a scale "
                              "(Object > Apply > Scale on a sensible size), or deselect it")
        meshes.append((mesh.vertices @ placing[:3, :3].T + placing[:3, 3], mesh.faces_flat, mesh.face_sizes))
        sent.append(SentPart(part.name, mesh.vertices.copy()))
    return meshes, sent


def part_record(obj) -> dict:
    try:
        return json.loads(obj.get(PART_KEY, "{}"))
    except (ValueError, TypeError):
        return {}


def plan_parts(character, sent: list, result: dict, replace_earlier: bool, bpy_data) -> list:
    """The keys each sent part gets; raises PartRefused when a part is gone or changed since it was sent."""
    targets, found = result.get("part_targets", []), result.get("meta", {}).get("parts", [])
    if len(targets) != len(sent) or len(found) != len(sent):
        raise PartRefused(f"the backend answered for {len(targets)} separate parts, not the {len(sent)} sent; "
                          "fit again")
    plans = []
    for part, offsets, parts in zip(sent, targets, found):
        obj = bpy_data.objects.get(part.object_name)
        if obj is None or obj.type != "MESH":
            raise PartRefused(f"the separate part '{part.object_name}' is gone; fit again")
        basis = basis_coordinates(obj)
        if basis.shape != part.basis.shape or not np.allclose(basis, part.basis, atol=1e-6, rtol=0):
            raise PartRefused(f"'{obj.name}' was edited while the character was being fitted; fit again")
        if offsets.shape != (len(ARKIT_NAMES), len(basis), 3) or not np.isfinite(offsets).all():
            raise PartRefused(f"the backend's keys for '{obj.name}' do not fit its {len(basis):,} vertices; fit again")
        # Offsets came in the character's space; the part's keys live in its own.
        linear = to_character_space(character, obj)[:3, :3]
        if abs(np.linalg.det(linear)) < 1e-12:
            raise PartRefused(f"'{obj.name}' was scaled to nothing while the character was being fitted; fit again")
        own = offsets @ np.linalg.inv(linear).T
        plans.append(_plan_one(obj, basis, own, list(parts.get("parts", [])), replace_earlier))
    return plans


def _plan_one(obj, basis, offsets, parts, replace_earlier) -> PartPlan:
    keys = obj.data.shape_keys
    existing = {block.name for block in keys.key_blocks} if keys is not None else set()
    made_before = set(part_record(obj).get("created_keys", ())) if replace_earlier else set()
    plan = PartPlan(obj=obj, basis=basis, offsets={}, parts=parts)
    for index, name in enumerate(ARKIT_NAMES):
        if not np.any(offsets[index]):  # a key that does not move this part: none is made
            continue
        if name in existing and name not in made_before:
            plan.kept.append(name)
            continue
        if name in existing:
            plan.replaced.append(name)
        plan.offsets[name] = offsets[index].astype(np.float32)
    return plan


def write_parts(character, plans: list) -> list[str]:
    """Writes each part's keys and drives each from the face's key of the same
    name; records what was made on the part. Returns a sentence per part."""
    face_keys = character.data.shape_keys
    lines = []
    for plan in plans:
        written = write_keys(plan.obj, plan)
        previous = set(part_record(plan.obj).get("created_keys", ()))
        # The drivers an earlier fit made on the keys this one keeps are made anew too: those made before the
        # part_follow properties existed then follow Basis Keys bakes as well. The user's keys are never driven.
        upgraded = [name for name in sorted(previous - set(written)) if _is_driven(plan.obj, name)]
        driven = [name for name in ARKIT_NAMES if name in set(written) | set(upgraded)]
        part_follow.ensure_properties(face_keys, driven)
        for name in driven:
            drive_from_face(plan.obj, name, face_keys)
        plan.obj[PART_KEY] = json.dumps({"character": character.name, "parts": plan.parts,
                                         "created_keys": sorted(previous | set(written)), "kept_keys": plan.kept})
        what = ", ".join(part.replace("_", " ") for part in plan.parts) or "nothing"
        lines.append(f"'{plan.obj.name}' ({what}) follows {len(written)} keys of the face")
    if plans:  # the face's record names its parts, for the panel
        fit = earlier_fit(character)
        fit["parts"] = {**fit.get("parts", {}), **{plan.obj.name: plan.parts for plan in plans}}
        character[FIT_KEY] = json.dumps(fit)
    return lines


def _is_driven(obj, name: str) -> bool:
    keys = obj.data.shape_keys
    return (keys is not None and name in keys.key_blocks and keys.animation_data is not None
            and keys.animation_data.drivers.find(f'key_blocks["{name}"].value') is not None)


def drive_from_face(obj, name: str, face_keys) -> None:
    """The part's key `name` takes the value of the face's key `name` plus the face's part_follow property for
    `name` (a Sum driver: no Python runs)."""
    keys = obj.data.shape_keys
    path = f'key_blocks["{name}"].value'
    if keys.animation_data is not None and keys.animation_data.drivers.find(path) is not None:
        keys.key_blocks[name].driver_remove("value")  # an earlier fit's driver on a key it made
    driver = keys.key_blocks[name].driver_add("value").driver
    driver.type = "SUM"
    for variable_name, source in (("face", path), ("line", part_follow.data_path(name))):
        variable = driver.variables.new()
        variable.name = variable_name
        variable.type = "SINGLE_PROP"
        target = variable.targets[0]
        target.id_type = "KEY"
        target.id = face_keys
        target.data_path = source
