"""Operators on a baked line and its face: apply controls, preview, export CSV, key mapping, blinks."""

import bpy
from bpy_extras.io_utils import ExportHelper

from . import bake, blinks, compat, face_mapping, line_store, scene_data
from .line_controls import apply_controls
from .live_link_csv import csv_text, write_atomically


def panel_line(context):
    """(scene, face object, sound strip) the panel points at; raises LineError saying what is missing."""
    scene, settings = context.scene, context.scene.lipwright
    obj = settings.target
    if obj is None or obj.type != "MESH":
        raise line_store.LineError("choose the face mesh (Face) first")
    if settings.audio_source != "STRIP" or settings.sound_strip in ("", "NONE"):
        raise line_store.LineError("choose the line's sound strip (Audio: Sound Strip)")
    strip = compat.find_strip(scene, settings.sound_strip)
    if strip is None:
        raise line_store.LineError(f"there is no strip named '{settings.sound_strip}'")
    return scene, obj, strip


def _sentence(error) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


def _line_poll(cls, context) -> bool:
    if getattr(context.scene, "lipwright", None) is None or context.window_manager.lipwright_job.running:
        compat.poll_message(cls, "A job is running; wait for it or cancel it")
        return False
    try:
        _, obj, strip = panel_line(context)
    except line_store.LineError as error:
        compat.poll_message(cls, _sentence(error))
        return False
    if line_store.line_action(obj, strip.name) is None:
        compat.poll_message(cls, "Generate this line first")
        return False
    return True


class _LineOperator(bpy.types.Operator):
    """An operator on the baked line the panel points at."""

    @classmethod
    def poll(cls, context):
        return _line_poll(cls, context)


class LIPWRIGHT_OT_apply_controls(_LineOperator):
    """Re-bake the line from its stored result with its intensity, smoothing, key reduction and the face mapping (the model does not run again)"""

    bl_idname = "lipwright.apply_controls"
    bl_label = "Apply Controls"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        try:
            scene, obj, strip = panel_line(context)
            line_store.reapply_line(scene, obj, strip.name)
        except (line_store.LineError, bake.BakeError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Applied the controls of '{strip.name}'")
        return {"FINISHED"}


def preview_line(scene, strip, play: bool) -> tuple[int, int]:
    """Set the preview range to the strip, go to its start, and (play) start playback with sound."""
    start, end = int(strip.frame_final_start), int(strip.frame_final_end) - 1
    scene.use_preview_range = True
    scene.frame_preview_start, scene.frame_preview_end = start, max(start, end)
    scene.frame_set(start)
    if play and not bpy.app.background:
        screen = bpy.context.screen
        if screen is not None and screen.is_animation_playing:
            bpy.ops.screen.animation_cancel(restore_frame=False)
            scene.frame_set(start)
        bpy.ops.screen.animation_play()
    return start, end


class LIPWRIGHT_OT_preview_line(bpy.types.Operator):
    """Play the line with its sound: the preview range is set to its strip and playback starts at its first frame"""

    bl_idname = "lipwright.preview_line"
    bl_label = "Preview Line"

    @classmethod
    def poll(cls, context):
        try:
            panel_line(context)
        except line_store.LineError as error:
            compat.poll_message(cls, _sentence(error))
            return False
        return True

    def execute(self, context):
        scene, _, strip = panel_line(context)
        preview_line(scene, strip, play=True)
        if scene.use_audio:  # Blender's name for 'mute'
            self.report({"WARNING"}, "The scene's sound is muted: untick Playback > Audio > Mute to hear the line")
        return {"FINISHED"}


def line_weights_for_export(scene, obj, strip_name):
    """(weights with the line's intensity and smoothing, unit names, fps, start seconds) of a baked line."""
    nla_strip = line_store.line_nla_strip(obj, strip_name)
    action = nla_strip.action if nla_strip is not None else None
    stored = line_store.stored_weights(action) if action is not None else None
    if stored is None:
        raise line_store.LineError(
            f"'{strip_name}' has no stored ARKit weights on '{obj.name}'; generate it (ARKit Keys or Auto) first")
    weights, names = stored
    controls = line_store.controls_of(scene, strip_name)
    shaped = apply_controls(weights, controls, 0.0, 1.0)
    fps = float(action.get(line_store.FPS, scene_data.scene_fps(scene)))
    start = (line_store.playing_at(nla_strip) - scene.frame_start) / fps
    return shaped, names, fps, start


class LIPWRIGHT_OT_export_csv(_LineOperator, ExportHelper):
    """Export the line's ARKit weights as a CSV in Live Link Face's layout (for Unreal, Unity and other engines)"""

    bl_idname = "lipwright.export_csv"
    bl_label = "Export ARKit CSV"
    filename_ext = ".csv"
    filter_glob: bpy.props.StringProperty(default="*.csv", options={"HIDDEN"})

    def invoke(self, context, event):
        if not self.filepath:
            self.filepath = bpy.path.clean_name(context.scene.lipwright.sound_strip) + ".csv"
        return ExportHelper.invoke(self, context, event)

    def execute(self, context):
        try:
            scene, obj, strip = panel_line(context)
            weights, names, fps, start = line_weights_for_export(scene, obj, strip.name)
            write_atomically(bpy.path.abspath(self.filepath), csv_text(weights, names, fps, start))
        except line_store.LineError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        except OSError as error:
            self.report({"ERROR"}, f"could not write '{self.filepath}': {error.strerror or error}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"Wrote {len(weights)} frames to {self.filepath}")
        return {"FINISHED"}


def _face_poll(cls, context) -> bool:
    obj = getattr(getattr(context.scene, "lipwright", None), "target", None)
    if obj is None or obj.type != "MESH":
        compat.poll_message(cls, "Choose the face mesh to animate")
        return False
    return True


class _FaceOperator(bpy.types.Operator):
    """An operator on the panel's face mesh."""

    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return _face_poll(cls, context)


class LIPWRIGHT_OT_reset_mapping(_FaceOperator):
    """Fill the face mapping from the face's shape-key names (ARKit names, or viseme keys such as AI, O, MBP)"""

    bl_idname = "lipwright.reset_mapping"
    bl_label = "Default Mapping"

    def execute(self, context):
        obj = context.scene.lipwright.target
        count = face_mapping.fill_default(obj, bake.user_key_names(obj))
        if not count:
            self.report({"WARNING"}, f"No key of '{obj.name}' matches an ARKit or viseme name; add rows by hand")
        return {"FINISHED"}


class LIPWRIGHT_OT_mapping_row(_FaceOperator):
    """Add a mapping row, or remove the selected one"""

    bl_idname = "lipwright.mapping_row"
    bl_label = "Mapping Row"

    remove: bpy.props.BoolProperty(options={"SKIP_SAVE"})

    def execute(self, context):
        face = context.scene.lipwright.target.lipwright_face
        if self.remove:
            if 0 <= face.mapping_index < len(face.mapping):
                face.mapping.remove(face.mapping_index)
                face.mapping_index = min(face.mapping_index, len(face.mapping) - 1)
        else:
            face.mapping.add()
            face.mapping_index = len(face.mapping) - 1
        return {"FINISHED"}


class LIPWRIGHT_OT_make_blinks(_FaceOperator):
    """Add procedural blinks (and small eye darts) over the scene's frame range on the face's own track; your eye keys keep playing"""

    bl_idname = "lipwright.make_blinks"
    bl_label = "Add Blinks"

    remove: bpy.props.BoolProperty(options={"SKIP_SAVE"})

    def execute(self, context):
        obj = context.scene.lipwright.target
        if self.remove:
            blinks.remove_blinks(obj)
            return {"FINISHED"}
        face = obj.lipwright_face
        try:
            count = blinks.make_blinks(context.scene, obj, face.blink_seed, face.blink_interval, face.eye_darts)
        except blinks.BlinkError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Added {count} blinks to '{obj.name}'")
        return {"FINISHED"}


classes = (LIPWRIGHT_OT_apply_controls, LIPWRIGHT_OT_preview_line, LIPWRIGHT_OT_export_csv,
           LIPWRIGHT_OT_reset_mapping, LIPWRIGHT_OT_mapping_row, LIPWRIGHT_OT_make_blinks)
