"""Prepare Character properties: per-object settings (saved with the .blend) and the running job's state on
the WindowManager (not saved)."""

import bpy

from . import key_preview
from .properties import LipwrightJobState


def _preview_changed(self, context):
    key_preview.apply_preview(self.id_data, self.preview)


class LipwrightCharacterSettings(bpy.types.PropertyGroup):
    preview: bpy.props.FloatProperty(
        name="Preview", min=0.0, max=1.0, default=0.0, update=_preview_changed, options=set(),
        description="Play jawOpen, mouthClose, mouthFunnel and mouthSmile on the character (nothing is keyframed; "
                    "back at 0 every key has its own value again)",
    )
    use_detector: bpy.props.BoolProperty(
        name="Face Detector", default=True,
        description="Find the landmarks with the face detector on a picture of the character; off: guess them "
                    "from the shape alone (stylised faces)",
    )
    apply_mirror: bpy.props.BoolProperty(
        name="Apply Mirror and Prepare", default=False,
        description="Make a mirrored half whole (its Mirror modifier applied, its shape keys, their animation and "
                    "the other modifiers kept) when the fit's keys are written, in the same undo step",
    )
    replace_earlier: bpy.props.BoolProperty(
        name="Replace Earlier Fit", default=False,
        description="Remake the ARKit keys an earlier fit of this character made; keys you made yourself are "
                    "always kept",
    )


classes = (LipwrightCharacterSettings,)


def register_properties():
    bpy.types.Object.lipwright_character = bpy.props.PointerProperty(type=LipwrightCharacterSettings)
    # The running job's state has the same fields as a line's.
    bpy.types.WindowManager.lipwright_prepare = bpy.props.PointerProperty(type=LipwrightJobState)


def unregister_properties():
    del bpy.types.WindowManager.lipwright_prepare
    del bpy.types.Object.lipwright_character
