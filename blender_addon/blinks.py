"""Procedural blinks and eye darts on the face's own track, layered so the user's eye animation still plays.

The blinks are one Add track on top, like the lines (bake.py): the user's eye tracks below keep
playing and the blinks add to them. Their channels join the 'Lipwright base' track at the bottom of
the stack, which holds them at 0 where nothing else plays (in Blender 5.0 an Add strip alone would
add to the key's default of 1.0 and shut the eyes). The user's active action is evaluated above
every track, so keys there always win.
"""

import numpy as np

from . import bake, compat
from .arkit_names import match_arkit_keys
from .blink_timing import blink_keys, blink_times, dart_keys, gaze_units, phrase_starts
from .line_store import data_path, stored_basis, stored_weights, write_keys
from .scene_data import scene_fps

TRACK = "Lipwright blinks"
MARK = bake.BLINKS_MARK
_BEZIER = 2


class BlinkError(ValueError):
    """The face cannot blink; nothing was changed."""


def remove_blinks(obj) -> bool:
    keys = obj.data.shape_keys if obj.type == "MESH" else None
    if keys is None:
        return False
    found = bake.tracks_marked(keys, MARK)
    for track in found:
        bake.remove_track(keys, track)
    if found:
        bake.sync_base(keys)  # the eye channels no line drives leave the base track
    return bool(found)


def _speech_starts(scene, obj, fps) -> list:
    """Seconds (from the scene's first frame) at which the object's lines start speaking after a pause."""
    starts = []
    for track in bake.lipwright_tracks(obj).values():
        action = next((s.action for s in track.strips if s.action is not None), None)
        raw = stored_weights(action) or stored_basis(action)
        if raw is None:
            continue
        activity = np.abs(raw[0]).max(axis=1)
        offset = (float(action.get("lipwright_frame_start", scene.frame_start)) - scene.frame_start) / fps
        starts.extend(offset + t for t in phrase_starts(activity, fps))
    return starts


def make_blinks(scene, obj, seed=1, interval=3.5, darts=True) -> int:
    """(Re)build the object's blink tracks over the scene's frame range; returns how many blinks."""
    keys = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
    matched = match_arkit_keys([kb.name for kb in keys.key_blocks]) if keys is not None else {}
    lids = [matched[name] for name in ("eyeBlinkLeft", "eyeBlinkRight") if name in matched]
    if not lids:
        name = obj.name if obj is not None else "the face"
        raise BlinkError(f"'{name}' has no eyeBlinkLeft/eyeBlinkRight shape keys; add them (or keys named like "
                         "'eyeBlink_L') to get blinks")
    if keys.animation_data is not None and keys.animation_data.use_tweak_mode:
        raise BlinkError(f"the shape keys of '{obj.name}' are in NLA tweak mode; leave it first")
    fps = scene_fps(scene)
    first, last = float(scene.frame_start), float(max(scene.frame_end, scene.frame_start + 1))
    duration = (last - first) / fps
    times = blink_times(duration, seed, interval, _speech_starts(scene, obj, fps))
    curves = {}
    lid = blink_keys(times, fps, first, last)
    for key in lids:
        curves[key] = (lid.frames, lid.values)
    if darts:
        gaze = dart_keys(duration, seed, fps, first)
        frames = gaze["horizontal"].frames
        for unit, values in gaze_units(gaze["horizontal"].values, gaze["vertical"].values).items():
            if unit in matched:
                curves[matched[unit]] = (frames, values)
    remove_blinks(obj)
    if keys.animation_data is None:
        keys.animation_data_create()
    bake.ensure_base(keys, [data_path(name) for name in curves])
    _new_track(keys, TRACK, curves, int(first))
    return len(times)


def _new_track(keys, name, curves, first_frame):
    action, slot = bake.new_action(keys, name)
    action[MARK] = True
    for key_name, (frames, values) in curves.items():
        write_keys(action, slot, data_path(key_name), frames, values, _BEZIER)
    track = keys.animation_data.nla_tracks.new()
    track.name = name
    strip = track.strips.new(name, first_frame, action)
    compat.assign_nla_strip_slot(strip, slot)
    strip.blend_type = "ADD"
    strip.extrapolation = "HOLD"
    return track
