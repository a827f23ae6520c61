"""Opening another file while a batch runs: the lines still to come would be baked into the new file
(the bake finds its scene and face by name) or silently lost. A load_pre handler cancels the batch
cleanly before the file changes, and the panel of the new file says which lines were not baked."""

import bpy
from bpy.app.handlers import persistent

from . import character_jobs, job_runner, scene_bake

_notice = []  # the message for the panel, kept across the load (the window manager's state may be reset)


@persistent
def _before_load(*args):
    character_jobs.cancel_current()  # its timer goes with the file: nothing would receive the result
    lost = list(dict.fromkeys(job_runner.abandon_current() + scene_bake.abandon()))
    if lost:
        message = (f"Opening another file stopped Lipwright: not baked: {', '.join(lost)}; "
                   "open the scene's file again and generate those lines")
        print("Lipwright:", message)
        _notice[:] = [message]


@persistent
def _after_load(*args):
    if not _notice:
        return
    state = getattr(bpy.context.window_manager, "lipwright_job", None)
    if state is not None:
        state.running, state.progress, state.message, state.last_error = False, 0.0, "", _notice[0]
    _notice.clear()


def register():
    bpy.app.handlers.load_pre.append(_before_load)
    bpy.app.handlers.load_post.append(_after_load)


def unregister():
    for handlers, handler in ((bpy.app.handlers.load_pre, _before_load), (bpy.app.handlers.load_post, _after_load)):
        if handler in handlers:
            handlers.remove(handler)
