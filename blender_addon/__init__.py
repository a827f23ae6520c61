"""Lipwright: speech-driven facial animation, baked into shape keys (Blender 4.2+ extension)."""

import bpy

from . import (cast_operators, cast_panel, cast_properties, file_guard, line_control_operators, line_follow,
               line_operators, line_panel, line_properties, operators, panel, preferences, prepare_ops, prepare_panel,
               prepare_properties, properties, variations)

_classes = (*properties.classes, *line_properties.classes, *prepare_properties.classes, *cast_properties.classes,
            *preferences.classes, *operators.classes, *line_control_operators.classes, *variations.classes,
            *prepare_ops.classes, *cast_operators.classes, *panel.classes, *line_operators.classes, *line_panel.classes,
            *prepare_panel.classes, *cast_panel.classes)


def register():
    for cls in _classes:
        bpy.utils.register_class(cls)
    properties.register_properties()
    line_properties.register_properties()
    prepare_properties.register_properties()
    cast_properties.register_properties()
    file_guard.register()
    line_follow.register()


def unregister():
    from .backend_process import stop_local_backend
    from .character_jobs import cancel_current as cancel_character_job
    from .job_runner import cancel_current, stop_timers

    line_follow.unregister()
    file_guard.unregister()
    cancel_current()
    cancel_character_job()
    stop_timers()
    stop_local_backend()
    cast_properties.unregister_properties()
    prepare_properties.unregister_properties()
    line_properties.unregister_properties()
    properties.unregister_properties()
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
