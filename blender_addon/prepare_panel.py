"""The 'Prepare Character' sub-panel: landmarks, Fit with progress, the fit's report and a preview slider."""

import bpy

from . import character_keys, character_parts, compat, landmark_empties, mirror_whole
from .preferences import prepare_problem


class LIPWRIGHT_PT_prepare(bpy.types.Panel):
    bl_label = "Prepare Character"
    bl_idname = "LIPWRIGHT_PT_prepare"
    bl_parent_id = "LIPWRIGHT_PT_main"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Lipwright"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        layout = self.layout
        state = context.window_manager.lipwright_prepare
        obj = landmark_empties.character_of(context.active_object)
        for line in prepare_problem(context) + state.last_error.splitlines()[:6]:
            layout.label(text=line, icon="ERROR")
        if obj is None or obj.type != "MESH":
            layout.label(text="Select the character's face mesh", icon="INFO")
            return
        settings = obj.lipwright_character
        layout.label(text=obj.name, icon="OUTLINER_OB_MESH")
        if mirror_whole.mirror_modifiers(obj):  # a mirrored half: made whole only when the user asks
            layout.prop(settings, "apply_mirror", toggle=True, icon="MOD_MIRROR")
            if not settings.apply_mirror:
                layout.label(text="A mirrored half cannot get left and right keys", icon="INFO")
        row = layout.row(align=True)
        row.operator("lipwright.find_landmarks", icon="EMPTY_AXIS")
        row.prop(settings, "use_detector", text="", icon="HIDE_OFF")
        method = obj.get(landmark_empties.METHOD_KEY)
        if method:
            where = "found by the face detector" if method == "detected" else "guessed from the shape: check them"
            layout.label(text=f"{len(landmark_empties.stored_landmarks(obj))} landmarks, {where}", icon="INFO")
            for warning in landmark_empties.stored_warnings(obj)[:3]:
                layout.label(text=warning, icon="INFO")
        row = layout.row(align=True)
        row.scale_y = 1.3
        row.operator("lipwright.fit_character", icon="SHAPEKEY_DATA")
        row.operator("lipwright.cancel_prepare", text="", icon="CANCEL")
        parts = character_parts.part_candidates(obj, context.selected_objects)
        if parts:  # the selected teeth, tongue and eye meshes go with the fit
            shown = ", ".join(part.name for part in parts[:3]) + ("…" if len(parts) > 3 else "")
            layout.label(text=f"Separate parts: {shown}", icon="LINKED")
        if character_keys.earlier_fit(obj):
            layout.prop(settings, "replace_earlier")
        if state.running:
            compat.draw_progress(layout, state.progress, state.message or "Working")
        elif state.last_report:
            layout.label(text=state.last_report, icon="CHECKMARK")
        for icon, line in character_keys.report_lines(obj):
            layout.label(text=line, icon=icon)
        if obj.data.shape_keys is not None and "jawOpen" in obj.data.shape_keys.key_blocks:
            layout.prop(settings, "preview", slider=True)


classes = (LIPWRIGHT_PT_prepare,)
