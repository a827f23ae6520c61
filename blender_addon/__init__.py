"""Lipwright: speech-driven facial animation, baked into shape keys (Blender 4.2+ extension)."""

import bpy

from . import (file_guard, line_control_operators, line_follow, line_operators, line_panel, line_properties, operators,
               panel, preferences, properties, variations)

_classes = (*properties.classes, *line_properties.classes, *preferences.classes, *operators.classes,
            *line_control_operators.classes, *variations.classes, *panel.classes, *line_operators.classes,
            *line_panel.classes)


def register():
    for cls in _classes:
        bpy.utils.register_class(cls)
    properties.register_properties()
    line_properties.register_properties()
    file_guard.register()
    line_follow.register()


def unregister():
    from .backend_process import stop_local_backend
    from .job_runner import cancel_current, stop_timers

    line_follow.unregister()
    file_guard.unregister()
    cancel_current()
    stop_timers()
    stop_local_backend()
    line_properties.unregister_properties()
    properties.unregister_properties()
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
