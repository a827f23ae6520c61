"""The 'Lipwright' tab in the 3D Viewport sidebar."""

import bpy

from . import compat, properties
from .preferences import setup_problem


class LIPWRIGHT_PT_main(bpy.types.Panel):
    bl_label = "Lipwright"
    bl_idname = "LIPWRIGHT_PT_main"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Lipwright"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.lipwright
        state = context.window_manager.lipwright_job
        # What went wrong comes first, cause on the first line (details are in the console).
        problems = setup_problem(context) + state.last_error.splitlines()[:6]
        if problems:
            box = layout.box()
            for line in problems:
                box.label(text=line, icon="ERROR")
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(settings, "target")
        layout.prop(settings, "audio_source")
        layout.prop(settings, "sound_strip" if settings.audio_source == "STRIP" else "audio_path")
        layout.prop(settings, "transcript")
        row = layout.row(align=True)
        row.prop(settings, "model")
        row.operator("lipwright.refresh_models", text="", icon="FILE_REFRESH")
        if settings.model == properties.DEFAULT_MODEL:
            layout.prop(settings, "recognition")
            problem = properties.recognition_problem(settings.model, settings.recognition)
            if problem:
                layout.label(text=f"Not in this backend: {problem}", icon="ERROR")
        if properties.model_speakers(settings.model) or settings.speaker_name:
            layout.prop(settings, "speaker")
        for name, reason in properties.unavailable_models[:3]:  # listed by the backend, but not runnable
            layout.label(text=f"{name}: {reason}", icon="INFO")
        layout.prop(settings, "bake_mode")
        row = layout.row(align=True)
        row.scale_y = 1.4
        row.operator("lipwright.generate", icon="PLAY_SOUND")
        row.operator("lipwright.cancel", text="", icon="CANCEL")
        layout.operator("lipwright.generate_selected", icon="SEQUENCE")
        if state.running:
            compat.draw_progress(layout, state.progress, state.message or "Working")
        if state.last_report and not state.last_error:
            layout.label(text=state.last_report, icon="CHECKMARK")
        for line in state.last_warning.splitlines()[:4]:
            layout.label(text=line, icon="INFO")
        layout.separator()
        layout.operator("lipwright.add_head", icon="USER")


classes = (LIPWRIGHT_PT_main,)
