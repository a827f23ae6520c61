"""The Bake All sub-panel: the cast rule and rows, the scene's subtitles, the button and its report."""

import bpy

from .line_panel import _Sub

_ICONS = {"BAKED": "CHECKMARK", "UNCHANGED": "LINKED", "SKIPPED": "REMOVE", "FAILED": "ERROR"}


class LIPWRIGHT_UL_cast(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        row = layout.row(align=True)
        row.prop(item, "channel" if data.rule == "CHANNEL" else "match", text="")
        row.prop(item, "character", text="")


class LIPWRIGHT_UL_bake_all(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        text = f"{item.strip} → {item.character}" if item.character else item.strip
        layout.label(text=f"{text}: {item.reason}" if item.reason else text, icon=_ICONS.get(item.outcome, "TIME"))


class LIPWRIGHT_PT_bake_all(_Sub):
    bl_label = "Bake All"
    bl_idname = "LIPWRIGHT_PT_bake_all"
    bl_options = {"DEFAULT_CLOSED"}

    @classmethod
    def poll(cls, context):
        return getattr(context.scene, "lipwright_cast", None) is not None

    def draw(self, context):
        layout = self.layout
        cast = context.scene.lipwright_cast
        layout.prop(cast, "rule", expand=True)
        row = layout.row()
        row.template_list("LIPWRIGHT_UL_cast", "", cast, "rows", cast, "rows_index", rows=3)
        column = row.column(align=True)
        column.operator("lipwright.cast_row", text="", icon="ADD")
        column.operator("lipwright.cast_row", text="", icon="REMOVE").remove = True
        column.operator("lipwright.fill_cast", text="", icon="SEQUENCE")
        row = layout.row(align=True)
        row.prop(cast, "subtitles", text="")
        row.operator("lipwright.load_subtitles", text="", icon="IMPORT")
        row = layout.row(align=True)
        row.scale_y = 1.3
        row.operator("lipwright.bake_all", icon="RENDER_ANIMATION")
        row.operator("lipwright.cancel", text="", icon="CANCEL")
        shown = context.window_manager.lipwright_bake_all
        if len(shown.lines):
            counts = {outcome: sum(1 for line in shown.lines if line.outcome == outcome) for outcome in _ICONS}
            layout.label(text=", ".join(f"{count} {outcome.lower()}" for outcome, count in counts.items() if count),
                         icon="INFO")
            layout.template_list("LIPWRIGHT_UL_bake_all", "", shown, "lines", shown, "lines_index", rows=3)


classes = (LIPWRIGHT_UL_cast, LIPWRIGHT_UL_bake_all, LIPWRIGHT_PT_bake_all)
