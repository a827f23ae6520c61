"""Bake All's properties: the cast (which character says which strip, saved with the scene) and the
last report (on the WindowManager, not saved)."""

import bpy


def _is_mesh(self, obj):
    return obj.type == "MESH"


class LipwrightCastRow(bpy.types.PropertyGroup):
    match: bpy.props.StringProperty(name="Strip", description="The strip name prefix (Name Prefix) or the strip's "
                                                              "name (Table)")
    channel: bpy.props.IntProperty(name="Channel", default=1, min=1, max=128,
                                   description="The sequencer channel (Channel)")
    character: bpy.props.PointerProperty(name="Character", type=bpy.types.Object, poll=_is_mesh,
                                         description="The face mesh that says these strips")


class LipwrightCast(bpy.types.PropertyGroup):
    rule: bpy.props.EnumProperty(name="Cast By", items=(
        ("PREFIX", "Name Prefix", "A strip goes to the character whose prefix starts its name (the longest wins)"),
        ("CHANNEL", "Channel", "A strip goes to the character of its sequencer channel"),
        ("TABLE", "Table", "Each strip is listed by name with its character"),
    ), default="PREFIX")
    rows: bpy.props.CollectionProperty(type=LipwrightCastRow)
    rows_index: bpy.props.IntProperty()
    subtitles: bpy.props.StringProperty(
        name="Subtitles", subtype="FILE_PATH",
        description="An SRT or WebVTT file for the whole scene (0 s is the scene's first frame): each cue becomes "
                    "the transcript of the strip it overlaps most")


class LipwrightBakeAllLine(bpy.types.PropertyGroup):
    strip: bpy.props.StringProperty()
    character: bpy.props.StringProperty()
    outcome: bpy.props.StringProperty()
    reason: bpy.props.StringProperty()


class LipwrightBakeAllReport(bpy.types.PropertyGroup):
    lines: bpy.props.CollectionProperty(type=LipwrightBakeAllLine)
    lines_index: bpy.props.IntProperty()


classes = (LipwrightCastRow, LipwrightCast, LipwrightBakeAllLine, LipwrightBakeAllReport)


def register_properties():
    bpy.types.Scene.lipwright_cast = bpy.props.PointerProperty(type=LipwrightCast)
    bpy.types.WindowManager.lipwright_bake_all = bpy.props.PointerProperty(type=LipwrightBakeAllReport)


def unregister_properties():
    del bpy.types.WindowManager.lipwright_bake_all
    del bpy.types.Scene.lipwright_cast
