"""Sub-panels of the Lipwright tab: the chosen line's controls, the face's key mapping, blinks."""

import bpy

from . import compat, line_store


class LIPWRIGHT_UL_mapping(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        row = layout.row(align=True)
        row.prop(item, "source", text="")
        keys = data.id_data.data.shape_keys if data.id_data.type == "MESH" else None
        if keys is not None:
            row.prop_search(item, "target", keys, "key_blocks", text="")
        else:
            row.prop(item, "target", text="")
        row.prop(item, "weight", text="")


class _Sub(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Lipwright"
    bl_parent_id = "LIPWRIGHT_PT_main"

    @classmethod
    def poll(cls, context):
        return getattr(context.scene, "lipwright", None) is not None


def face_settings(context, layout):
    """The panel face's Lipwright settings, or None after saying to choose a face."""
    obj = context.scene.lipwright.target
    face = getattr(obj, "lipwright_face", None) if obj is not None else None
    if face is None:
        layout.label(text="Choose the face mesh", icon="INFO")
    return face


class LIPWRIGHT_PT_line(_Sub):
    bl_label = "Line"
    bl_idname = "LIPWRIGHT_PT_line"

    def draw(self, context):
        layout = self.layout
        settings = context.scene.lipwright
        strip = None
        if settings.audio_source == "STRIP" and settings.sound_strip not in ("", "NONE"):
            strip = compat.find_strip(context.scene, settings.sound_strip)
        if strip is None or getattr(strip, "lipwright_line", None) is None:
            layout.label(text="Choose a sound strip to see its controls", icon="INFO")
            return
        layout.use_property_split = True
        layout.use_property_decorate = False
        line = strip.lipwright_line
        layout.prop(line, "intensity")
        layout.prop(line, "upper_face")
        layout.prop(line, "smoothing")
        layout.prop(line, "reduction")
        obj = settings.target
        action = line_store.line_action(obj, strip.name) if obj is not None and obj.type == "MESH" else None
        variations = line_store.stored_variations(action) if action is not None else None
        if variations is not None:
            row = layout.row(align=True)
            row.prop(line, "variation", text=f"Variation (of {len(variations[1])})")
            row.operator("lipwright.keep_variation", text="", icon="CHECKMARK")
        layout.operator("lipwright.apply_controls", icon="FILE_REFRESH")
        made = line_store.made_by(action)
        if "seed" in made:
            layout.label(text=f"{made.get('model', '')}: seed {made['seed']}, "
                              f"{made.get('sampling_steps', '-')} steps", icon="INFO")
        column = layout.column(align=True)
        column.prop(line, "variation_count")
        column.prop(line, "variation_seed")
        column.operator("lipwright.generate_variations", icon="MOD_ARRAY")
        row = layout.row(align=True)
        row.operator("lipwright.preview_line", icon="PLAY")
        row.operator("lipwright.export_csv", icon="EXPORT")
        obj = settings.target
        if obj is not None and obj.type == "MESH" and line_store.line_action(obj, strip.name) is None:
            layout.label(text="Not generated yet on this face", icon="INFO")


class LIPWRIGHT_PT_mapping(_Sub):
    bl_label = "Face Mapping"
    bl_idname = "LIPWRIGHT_PT_mapping"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        layout = self.layout
        face = face_settings(context, layout)
        if face is None:
            return
        if not len(face.mapping):
            layout.label(text="Default: from the key names", icon="INFO")
        row = layout.row()
        row.template_list("LIPWRIGHT_UL_mapping", "", face, "mapping", face, "mapping_index", rows=4)
        column = row.column(align=True)
        column.operator("lipwright.mapping_row", text="", icon="ADD")
        column.operator("lipwright.mapping_row", text="", icon="REMOVE").remove = True
        layout.operator("lipwright.reset_mapping", icon="FILE_REFRESH")


class LIPWRIGHT_PT_blinks(_Sub):
    bl_label = "Blinks"
    bl_idname = "LIPWRIGHT_PT_blinks"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context):
        layout = self.layout
        face = face_settings(context, layout)
        if face is None:
            return
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(face, "blink_interval")
        layout.prop(face, "blink_seed")
        layout.prop(face, "eye_darts")
        row = layout.row(align=True)
        row.operator("lipwright.make_blinks", icon="HIDE_OFF")
        row.operator("lipwright.make_blinks", text="", icon="TRASH").remove = True


classes = (LIPWRIGHT_UL_mapping, LIPWRIGHT_PT_line, LIPWRIGHT_PT_mapping, LIPWRIGHT_PT_blinks)
