"""Bake All's operators: bake every strip onto its character, edit the cast, load a scene's subtitles."""

import bpy

from . import compat, scene_bake, subtitle_cues


class LIPWRIGHT_OT_bake_all(bpy.types.Operator):
    """Bake every sound strip of the scene onto the character the cast gives it; lines whose audio, transcript, model, options and character are unchanged are skipped"""

    bl_idname = "lipwright.bake_all"
    bl_label = "Bake All"
    bl_options = {"REGISTER"}  # the lines are baked together when the batch ends, in one undo step of their own

    @classmethod
    def poll(cls, context):
        if getattr(context.scene, "lipwright_cast", None) is None:
            return False
        if context.window_manager.lipwright_job.running:
            compat.poll_message(cls, "A job is running; wait for it or cancel it")
            return False
        if not scene_bake.scene_strips(context.scene):
            compat.poll_message(cls, "Add the dialogue's sound strips in the Video Sequencer")
            return False
        if not len(context.scene.lipwright_cast.rows):
            compat.poll_message(cls, "Add the cast: which character says which strips")
            return False
        return True

    def execute(self, context):
        report = scene_bake.start_bake_all(context)
        if not bpy.app.background:
            self.report({"INFO"}, f"Bake All: {len(report.lines)} strips, running in the background")
            return {"FINISHED"}
        failed = report.count(scene_bake.FAILED)
        self.report({"WARNING"} if failed else {"INFO"}, report.summary())
        return {"FINISHED"}


class LIPWRIGHT_OT_cast_row(bpy.types.Operator):
    """Add a row to the cast, or remove the selected one"""

    bl_idname = "lipwright.cast_row"
    bl_label = "Cast Row"
    bl_options = {"REGISTER", "UNDO"}

    remove: bpy.props.BoolProperty(options={"SKIP_SAVE"})

    def execute(self, context):
        cast = context.scene.lipwright_cast
        if self.remove:
            if not len(cast.rows):
                return {"CANCELLED"}
            cast.rows.remove(cast.rows_index)
            cast.rows_index = max(0, min(cast.rows_index, len(cast.rows) - 1))
        else:
            cast.rows.add()
            cast.rows_index = len(cast.rows) - 1
        return {"FINISHED"}


def _cast_allows(cls, context, allowed, message) -> bool:
    """Poll: the scene's cast exists and allowed(cast); else the button says `message`."""
    cast = getattr(context.scene, "lipwright_cast", None)
    if cast is None or not allowed(cast):
        compat.poll_message(cls, message)
        return False
    return True


def fill_cast(scene) -> int:
    """Add a row for each channel (Channel rule) or strip name (Table rule) the cast does not list yet."""
    cast = scene.lipwright_cast
    strips = scene_bake.scene_strips(scene)
    if cast.rule == "CHANNEL":
        listed = {row.channel for row in cast.rows}
        wanted = sorted({strip.channel for strip in strips} - listed)
    else:
        listed = {row.match for row in cast.rows}
        wanted = [strip.name for strip in strips if strip.name not in listed]
    for value in wanted:
        row = cast.rows.add()
        if cast.rule == "CHANNEL":
            row.channel = value
        else:
            row.match = value
    return len(wanted)


class LIPWRIGHT_OT_fill_cast(bpy.types.Operator):
    """Add a cast row for every sound strip (Table) or channel (Channel) not listed yet; then pick their characters"""

    bl_idname = "lipwright.fill_cast"
    bl_label = "Fill from Sequencer"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return _cast_allows(cls, context, lambda cast: cast.rule != "PREFIX",
                            "Name prefixes are typed in; Channel and Table rows can be filled")

    def execute(self, context):
        self.report({"INFO"}, f"Added {fill_cast(context.scene)} cast row(s)")
        return {"FINISHED"}


class LIPWRIGHT_OT_load_subtitles(bpy.types.Operator):
    """Set each sound strip's transcript from the subtitle cues that overlap it (0 s is the scene's first frame)"""

    bl_idname = "lipwright.load_subtitles"
    bl_label = "Load Subtitles"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return _cast_allows(cls, context, lambda cast: bool(cast.subtitles), "Choose an SRT or WebVTT file")

    def execute(self, context):
        try:
            matched = scene_bake.load_subtitles(context.scene, context.scene.lipwright_cast.subtitles)
        except subtitle_cues.SubtitleError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        message = f"Transcripts for {len(matched.transcripts)} strip(s)"
        if matched.unmatched:
            first = matched.unmatched[0]
            message += (f"; {len(matched.unmatched)} cue(s) overlap no strip (first at {first.start:.2f} s: "
                        f"'{first.text[:40]}')")
        self.report({"WARNING"} if matched.unmatched else {"INFO"}, message)
        return {"FINISHED"}


classes = (LIPWRIGHT_OT_bake_all, LIPWRIGHT_OT_cast_row, LIPWRIGHT_OT_fill_cast, LIPWRIGHT_OT_load_subtitles)
