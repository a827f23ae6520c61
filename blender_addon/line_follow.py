"""Lines follow their strips as the user moves them: after each change to a scene, the panel's face
syncs its lines (line_sync.sync_lines). Only that face, so a large scene costs nothing per update;
Sync to Strips does every character."""

import bpy
from bpy.app.handlers import persistent

from . import line_sync

_syncing = []  # re-entry guard: moving an NLA strip is itself a change


@persistent
def _after_change(scene, depsgraph=None):
    settings = getattr(scene, "lipwright", None)
    if _syncing or settings is None or not settings.follow_strips or settings.target is None:
        return
    if depsgraph is not None and not depsgraph.id_type_updated("SCENE"):
        return
    _syncing.append(True)
    try:
        line_sync.sync_lines(scene, settings.target)
    except Exception as error:  # a handler must never break Blender's update loop
        print(f"Lipwright: could not follow the strips ({type(error).__name__}: {error})")
    finally:
        _syncing.clear()


def register():
    bpy.app.handlers.depsgraph_update_post.append(_after_change)


def unregister():
    if _after_change in bpy.app.handlers.depsgraph_update_post:
        bpy.app.handlers.depsgraph_update_post.remove(_after_change)
