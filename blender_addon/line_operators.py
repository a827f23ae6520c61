"""The Lines sub-panel and its operators: Sync to Strips, Remove Line (thin wrappers over line_sync)."""

import bpy

from . import compat, line_sync


def _target(context):
    settings = getattr(context.scene, "lipwright", None)
    return None if settings is None else settings.target


class LIPWRIGHT_OT_sync_strips(bpy.types.Operator):
    """Move every character's baked lines with their sound strips (after moving or renaming strips), without running the model"""

    bl_idname = "lipwright.sync_strips"
    bl_label = "Sync to Strips"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        if context.scene.sequence_editor is None:
            compat.poll_message(cls, "The scene has no sound strips")
            return False
        return True

    def execute(self, context):
        report = line_sync.sync_scene(context.scene)
        self.report({"WARNING"} if report.missing or report.retrimmed else {"INFO"}, report.summary())
        return {"FINISHED"}


class LIPWRIGHT_OT_remove_line(bpy.types.Operator):
    """Remove this line's animation (its NLA track, action and basis keys)"""

    bl_idname = "lipwright.remove_line"
    bl_label = "Remove Line"
    bl_options = {"REGISTER", "UNDO"}

    line: bpy.props.StringProperty(options={"HIDDEN", "SKIP_SAVE"})
    object_name: bpy.props.StringProperty(options={"HIDDEN", "SKIP_SAVE"})

    def invoke(self, context, event):
        return context.window_manager.invoke_confirm(self, event)

    def execute(self, context):
        obj = bpy.data.objects.get(self.object_name) if self.object_name else _target(context)
        if obj is None or not line_sync.remove_line(obj, self.line):
            self.report({"ERROR"}, f"no Lipwright line '{self.line}' on the face")
            return {"CANCELLED"}
        return {"FINISHED"}


class LIPWRIGHT_PT_lines(bpy.types.Panel):
    bl_label = "Lines"
    bl_idname = "LIPWRIGHT_PT_lines"
    bl_parent_id = "LIPWRIGHT_PT_main"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Lipwright"

    @classmethod
    def poll(cls, context):
        return _target(context) is not None

    def draw(self, context):
        layout = self.layout
        obj = _target(context)
        lines = line_sync.lines_of(context.scene, obj)
        if not lines:
            layout.label(text="No lines baked on this face yet")
            return
        row = layout.row(align=True)
        row.prop(context.scene.lipwright, "follow_strips")
        row.operator("lipwright.sync_strips", icon="FILE_REFRESH")
        for info in lines:
            row = layout.row(align=True)
            if info.strip is None:
                row.label(text=f"{info.strip_name} (strip deleted)", icon="ERROR")
            else:
                row.label(text=info.strip.name, icon="SOUND")
            remove = row.operator("lipwright.remove_line", text="", icon="X")
            remove.line, remove.object_name = info.line, obj.name


classes = (LIPWRIGHT_OT_sync_strips, LIPWRIGHT_OT_remove_line, LIPWRIGHT_PT_lines)
