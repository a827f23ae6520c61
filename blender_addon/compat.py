"""Every difference between Blender 4.2 and 5.0 that the add-on meets, in one place.

- 5.0 removed `SequenceEditor.sequences`; `strips` exists since 4.4 (read it first).
- 5.0 removed `Action.fcurves`; slotted actions (slot -> layer -> keyframe strip -> channelbag) exist
  since 4.4. The legacy path is kept only for 4.2/4.3.
- `UILayout.progress` exists since 4.0; guarded anyway.
"""

import bpy

SLOTTED_ACTIONS = bpy.app.version >= (4, 4, 0)


# --- Sequencer -----------------------------------------------------------------------------------

def sequencer_strips(scene, recursive=True):
    """All strips of the scene (inside meta strips too when recursive); [] without a sequencer."""
    editor = scene.sequence_editor
    if editor is None:
        return []
    for name in (("strips_all", "sequences_all") if recursive else ("strips", "sequences")):
        collection = getattr(editor, name, None)
        if collection is not None:
            return list(collection)
    return []


def top_level_strips(editor):
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def find_strip(scene, name):
    for strip in sequencer_strips(scene):
        if strip.name == name:
            return strip
    return None


def sound_strips(scene):
    return [strip for strip in sequencer_strips(scene) if strip.type == "SOUND"]


def new_sound_strip(scene, name, filepath, channel=1, frame_start=1):
    editor = scene.sequence_editor or scene.sequence_editor_create()
    return top_level_strips(editor).new_sound(name, filepath, channel, int(frame_start))


def free_channel(scene, frame_start, frame_end):
    """The lowest sequencer channel with nothing between frame_start and frame_end."""
    busy = {
        strip.channel for strip in sequencer_strips(scene, recursive=False)
        if strip.frame_final_start < frame_end and strip.frame_final_end > frame_start
    }
    channel = 1
    while channel in busy:
        channel += 1
    return channel


# --- Actions and F-curves ------------------------------------------------------------------------

def new_action_for(action, datablock):
    """Prepare `action` to animate `datablock` (an ID); returns the slot (None before 4.4)."""
    if not SLOTTED_ACTIONS:
        return None
    slot = action.slots.new(id_type=datablock.id_type, name=datablock.name)
    layer = action.layers.new("Layer")
    layer.strips.new(type="KEYFRAME")
    return slot


def _channelbag(action, slot):
    return action.layers[0].strips[0].channelbag(slot, ensure=True)


def new_fcurve(action, slot, data_path, index=0):
    if SLOTTED_ACTIONS:
        return _channelbag(action, slot).fcurves.new(data_path, index=index)
    return action.fcurves.new(data_path, index=index)


def remove_fcurve(action, slot, fcurve):
    if SLOTTED_ACTIONS:
        _channelbag(action, slot).fcurves.remove(fcurve)
    else:
        action.fcurves.remove(fcurve)


def action_fcurves(action):
    """Every F-curve of the action, from all slots and layers (or the legacy list)."""
    if not SLOTTED_ACTIONS:
        return list(action.fcurves)
    curves = []
    for layer in action.layers:
        for strip in layer.strips:
            for channelbag in getattr(strip, "channelbags", ()):
                curves.extend(channelbag.fcurves)
    return curves


def first_slot(action):
    if SLOTTED_ACTIONS and len(action.slots):
        return action.slots[0]
    return None


def move_nla_track_to_bottom(anim_owner, track) -> bool:
    """Move `track` below every other NLA track of `anim_owner` (an ID). RNA cannot reorder tracks, so
    this runs the NLA editor's own operator in a window area switched to the NLA editor for the call.
    False when no window is there (a background file without UI): the track then stays where it is."""
    tracks = anim_owner.animation_data.nla_tracks
    if tracks[0] == track:
        return True
    window = next((w for w in getattr(bpy.context.window_manager, "windows", ()) if w.screen and w.screen.areas), None)
    if window is None:
        return False
    area = window.screen.areas[0]
    # The operator moves every selected track it sees, of every datablock: only ours may be selected.
    everyone = [t for owner in _animated_ids() for t in owner.animation_data.nla_tracks]
    old_type, selected = area.type, [(t, t.select) for t in everyone]
    try:
        area.type = "NLA_EDITOR"
        space = area.spaces.active
        filters = space.dopesheet
        old_filters = (filters.show_only_selected, filters.show_hidden)
        filters.show_only_selected, filters.show_hidden = False, True
        for other in everyone:
            other.select = other == track
        region = next(r for r in area.regions if r.type == "WINDOW")
        with bpy.context.temp_override(window=window, area=area, region=region):
            bpy.ops.anim.channels_move(direction="BOTTOM")
        filters.show_only_selected, filters.show_hidden = old_filters
    except (RuntimeError, StopIteration, AttributeError, TypeError):
        pass
    finally:
        area.type = old_type
        for other, was in selected:
            other.select = was
    return tracks[0] == track


def _animated_ids():
    """Every datablock with NLA tracks that an animation editor can show."""
    for name in ("objects", "shape_keys", "meshes", "materials", "node_groups", "worlds", "scenes", "cameras",
                 "lights", "armatures", "curves", "textures", "particles", "grease_pencils", "movieclips"):
        for block in getattr(bpy.data, name, ()):
            if getattr(block, "animation_data", None) is not None and len(block.animation_data.nla_tracks):
                yield block


def assign_nla_strip_slot(nla_strip, slot):
    if slot is not None and hasattr(nla_strip, "action_slot"):
        nla_strip.action_slot = slot


# --- Interface ----------------------------------------------------------------------------------

def draw_progress(layout, factor, text):
    if hasattr(layout, "progress"):
        layout.progress(factor=factor, type="BAR", text=text)
    else:
        layout.label(text=f"{text} ({factor * 100:.0f}%)")


def poll_message(operator_class, message):
    if hasattr(operator_class, "poll_message_set"):
        operator_class.poll_message_set(message)
