"""Properties of a line (on its sound strip) and of a face (on its object): controls, key mapping, blinks."""

import bpy

from .arkit_names import ARKIT_NAMES
from .line_controls import INTENSITY_MAX, SMOOTHING_MAX, TOLERANCE_MAX

_UNITS = [(name, name, f"The model's '{name}' weight") for name in ARKIT_NAMES]


class LipwrightLineControls(bpy.types.PropertyGroup):
    intensity: bpy.props.FloatProperty(
        name="Intensity", default=1.0, min=0.0, max=INTENSITY_MAX, soft_max=2.0,
        description="Scale the line's motion: 0 is rest, 1 as generated, above 1 exaggerates")
    smoothing: bpy.props.FloatProperty(
        name="Smoothing", default=0.0, min=0.0, max=SMOOTHING_MAX, subtype="NONE",
        description="Smooth the motion over this many frames (Gaussian, without shifting it in time)")
    reduction: bpy.props.FloatProperty(
        name="Key Reduction", default=0.0, min=0.0, max=TOLERANCE_MAX, precision=3,
        description="Keep only the keys the curves need, within this error (0: a key on every frame)")
    upper_face: bpy.props.FloatProperty(
        name="Upper Face", default=1.0, min=0.0, max=INTENSITY_MAX, soft_max=2.0,
        description="Scale the brows, lids and cheek squints alone (faces driven by ARKit keys): 0 stills them")
    variation: bpy.props.IntProperty(
        name="Variation", default=0, min=0,
        description="Which of the line's generated variations the keys play (Apply Controls to switch)")
    variation_count: bpy.props.IntProperty(
        name="Variations", default=3, min=2, max=8,
        description="How many variations of the line to generate (models that sample, e.g. gldtalker, landmarks)")
    variation_seed: bpy.props.IntProperty(
        name="First Seed", default=1, min=0, description="Variation k is drawn with seed First Seed + k")


class LipwrightMappingRow(bpy.types.PropertyGroup):
    source: bpy.props.EnumProperty(name="From", items=_UNITS, description="The model's ARKit weight")
    target: bpy.props.StringProperty(name="To", description="The face's shape key it drives")
    weight: bpy.props.FloatProperty(name="Weight", default=1.0, soft_min=-3.0, soft_max=3.0,
                                    description="How much of the weight goes into the key")


class LipwrightFaceSettings(bpy.types.PropertyGroup):
    mapping: bpy.props.CollectionProperty(type=LipwrightMappingRow)
    mapping_index: bpy.props.IntProperty()
    blink_seed: bpy.props.IntProperty(name="Seed", default=1, min=0, description="Another seed, other blink times")
    blink_interval: bpy.props.FloatProperty(name="Every", default=3.5, min=1.5, max=12.0, unit="TIME_ABSOLUTE",
                                            description="Average seconds between blinks")
    eye_darts: bpy.props.BoolProperty(name="Eye Darts", default=True, description="Small glances between blinks")


classes = (LipwrightLineControls, LipwrightMappingRow, LipwrightFaceSettings)


def strip_type():
    return getattr(bpy.types, "Strip", None) or bpy.types.Sequence  # 'Sequence' before 4.4


def register_properties():
    strip_type().lipwright_line = bpy.props.PointerProperty(type=LipwrightLineControls)
    bpy.types.Object.lipwright_face = bpy.props.PointerProperty(type=LipwrightFaceSettings)


def unregister_properties():
    del bpy.types.Object.lipwright_face
    del strip_type().lipwright_line
