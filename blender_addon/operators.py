"""Operators: thin wrappers that validate, call plain functions, and report."""

import os

import bpy

from . import bake, compat, head, job_runner, properties, scene_data, wire
from .backend_process import stop_local_backend
from .client import BackendError
from .preferences import backend_settings


# --- Plain functions the operators call ---------------------------------------------------------

def job_spec(context) -> job_runner.JobSpec:
    """Gather audio, mesh and options on the main thread. Raises SceneDataError/BakeError with a message."""
    scene = context.scene
    settings = scene.lipwright
    obj = settings.target
    if obj is None or obj.type != "MESH":
        raise scene_data.SceneDataError("choose the face mesh (Face) first")
    if settings.audio_source == "FILE":
        strip = ensure_file_strip(scene, settings.audio_path)
    else:
        if settings.sound_strip in ("", "NONE"):
            raise scene_data.SceneDataError("choose a sound strip, or switch Audio to File")
        strip = scene_data.sound_strip(scene, settings.sound_strip)
    audio = scene_data.strip_audio_bytes(strip)
    mode = bake.choose_mode(obj, None, settings.bake_mode)
    options = {"model": settings.model or properties.DEFAULT_MODEL, "fps": scene_data.scene_fps(scene)}
    if settings.transcript.strip():
        options["transcript"] = settings.transcript.strip()
    if mode == "ARKIT":  # weights drive the mesh's own keys: no mesh and no offsets needed, any topology works
        request = wire.encode_request(audio, options | {"offsets": False})
    else:
        mesh = scene_data.mesh_data(obj)
        request = wire.encode_request(audio, options, mesh.vertices, mesh.faces_flat, mesh.face_sizes)
    return job_runner.JobSpec(request, scene.name, obj.name, strip.name, scene_data.strip_frame_start(strip),
                              settings.bake_mode)


def ensure_file_strip(scene, path):
    """The sound strip for a file (added at the scene start, on a free channel, if the scene lacks it)."""
    absolute = bpy.path.abspath(path)
    if not path or not os.path.isfile(absolute):
        raise scene_data.SceneDataError(f"the sound file '{absolute}' does not exist")
    for strip in compat.sound_strips(scene):
        if strip.sound is not None and os.path.normpath(bpy.path.abspath(strip.sound.filepath)) == os.path.normpath(absolute):
            return strip
    name = os.path.splitext(os.path.basename(absolute))[0]
    frame = scene.frame_start
    return compat.new_sound_strip(scene, name, absolute, compat.free_channel(scene, frame, frame + 1), frame)


def apply_job(job) -> bake.BakeReport:
    """Bake a finished job into the scene it came from (looked up by name: the user may have undone meanwhile)."""
    spec = job.spec
    scene = bpy.data.scenes.get(spec.scene_name)
    obj = bpy.data.objects.get(spec.object_name)
    if scene is None or obj is None:
        raise bake.BakeError(f"'{spec.object_name}' or scene '{spec.scene_name}' is gone; nothing was baked")
    result = wire.decode_result(job.result)
    return bake.bake_result(scene, obj, result, spec.strip_name, spec.frame_start, spec.mode)


def _redraw():
    for window in bpy.context.window_manager.windows:
        for area in window.screen.areas:
            if area.type in ("VIEW_3D", "PREFERENCES"):
                area.tag_redraw()


def on_job_update(job, finished=True):
    """Main thread: mirror the job into the WindowManager state; bake when it is done."""
    state = bpy.context.window_manager.lipwright_job
    state.progress, state.message, state.running = job.progress, job.message, not finished
    if finished:
        if job.state == "done":
            try:
                report = apply_job(job)
                state.last_report, state.last_error = report.summary(), ""
                if not bpy.app.background:
                    bpy.ops.ed.undo_push(message="Lipwright Bake")
            except (bake.BakeError, wire.WireError) as error:
                state.last_error = str(error)
        elif job.state == "failed":
            state.last_error = job.error
    _redraw()


# --- Operators -----------------------------------------------------------------------------------

class LIPWRIGHT_OT_generate(bpy.types.Operator):
    """Animate the chosen sound strip on the face mesh and bake shape-key keyframes"""

    bl_idname = "lipwright.generate"
    bl_label = "Generate"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        settings = getattr(context.scene, "lipwright", None)
        if settings is None:
            return False
        if context.window_manager.lipwright_job.running:
            compat.poll_message(cls, "A job is running; wait for it or cancel it")
            return False
        if settings.target is None:
            compat.poll_message(cls, "Choose the face mesh to animate")
            return False
        if settings.audio_source == "STRIP" and settings.sound_strip in ("", "NONE"):
            compat.poll_message(cls, "Add a sound strip in the Video Sequencer, or switch Audio to File")
            return False
        if settings.audio_source == "FILE" and not settings.audio_path:
            compat.poll_message(cls, "Choose a sound file")
            return False
        return True

    def execute(self, context):
        try:
            spec = job_spec(context)
        except (scene_data.SceneDataError, bake.BakeError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        state = context.window_manager.lipwright_job
        state.last_error, state.last_report, state.running, state.progress = "", "", True, 0.0
        settings = backend_settings(context)
        job = job_runner.start_job(spec, settings.connect, on_job_update, background=bpy.app.background)
        if not bpy.app.background:
            return {"FINISHED"}
        if state.last_error or job.state != "done":  # background mode: the job already ran and baked
            self.report({"ERROR"}, state.last_error or job.message)
            return {"CANCELLED"}
        self.report({"INFO"}, state.last_report)
        return {"FINISHED"}


class LIPWRIGHT_OT_cancel(bpy.types.Operator):
    """Cancel the running Lipwright job"""

    bl_idname = "lipwright.cancel"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context):
        if not context.window_manager.lipwright_job.running:
            compat.poll_message(cls, "No job is running")
            return False
        return True

    def execute(self, context):
        job_runner.cancel_current()
        context.window_manager.lipwright_job.message = "Cancelling"
        return {"FINISHED"}


class LIPWRIGHT_OT_apply_result(bpy.types.Operator):
    """Bake the last finished job again (for example after undoing its bake)"""

    bl_idname = "lipwright.apply_result"
    bl_label = "Apply Result"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        job = job_runner.current_job()
        if job is None or job.state != "done":
            compat.poll_message(cls, "No finished job to apply")
            return False
        return True

    def execute(self, context):
        try:
            report = apply_job(job_runner.current_job())
        except (bake.BakeError, wire.WireError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, report.summary())
        return {"FINISHED"}


def add_head(context, source) -> bpy.types.Object:
    """The default head at the 3D cursor, selected, active, and the panel's face if none is chosen."""
    obj = head.create_head(source, collection=context.collection)
    obj.location = context.scene.cursor.location
    for other in context.view_layer.objects.selected:
        other.select_set(False)
    context.view_layer.objects.active = obj
    obj.select_set(True)
    if getattr(context.scene, "lipwright", None) is not None and context.scene.lipwright.target is None:
        context.scene.lipwright.target = obj
    return obj


class LIPWRIGHT_OT_add_head(bpy.types.Operator):
    """Add the default Lipwright head with its 52 ARKit shape keys (the backend provides the template)"""

    bl_idname = "lipwright.add_head"
    bl_label = "Add Lipwright Head"
    bl_options = {"REGISTER", "UNDO"}

    filepath: bpy.props.StringProperty(name="Template", subtype="FILE_PATH", options={"SKIP_SAVE"},
                                       description="A template npz; empty: ask the backend")

    def execute(self, context):
        if self.filepath:
            try:
                add_head(context, bpy.path.abspath(self.filepath))
            except head.TemplateError as error:
                self.report({"ERROR"}, str(error))
                return {"CANCELLED"}
            return {"FINISHED"}
        state = context.window_manager.lipwright_job
        state.message, state.last_error = "Fetching the head from the backend", ""
        scene_name = context.scene.name

        def on_done(template, error):
            # Later, on the main thread: the scene is looked up again by name (it may be gone).
            scene = bpy.data.scenes.get(scene_name)
            state = bpy.context.window_manager.lipwright_job
            state.message = ""
            if error or scene is None:
                state.last_error = error or "the scene was removed before the head arrived"
                return
            try:
                add_head(bpy.context, template)
            except head.TemplateError as failure:
                state.last_error = str(failure)
                return
            state.last_error, state.last_report = "", "Added the Lipwright head"
            if not bpy.app.background:
                bpy.ops.ed.undo_push(message="Add Lipwright Head")
            _redraw()

        settings = backend_settings(context)
        job_runner.run_task(lambda: settings.connect().template(), on_done, background=bpy.app.background)
        if bpy.app.background and state.last_error:
            self.report({"ERROR"}, state.last_error)
            return {"CANCELLED"}
        return {"FINISHED"}


class LIPWRIGHT_OT_refresh_models(bpy.types.Operator):
    """Ask the backend which models it can run"""

    bl_idname = "lipwright.refresh_models"
    bl_label = "Refresh Models"

    def execute(self, context):
        def on_done(models, error):
            state = bpy.context.window_manager.lipwright_job
            if error:
                state.last_error = error
            else:
                properties.set_models(models)
            _redraw()

        settings = backend_settings(context)
        job_runner.run_task(lambda: settings.connect().models(), on_done, background=bpy.app.background)
        return {"FINISHED"}


class LIPWRIGHT_OT_stop_backend(bpy.types.Operator):
    """Stop the local backend that Lipwright started"""

    bl_idname = "lipwright.stop_backend"
    bl_label = "Stop Backend"

    def execute(self, context):
        stop_local_backend()
        return {"FINISHED"}


classes = (
    LIPWRIGHT_OT_generate, LIPWRIGHT_OT_cancel, LIPWRIGHT_OT_apply_result, LIPWRIGHT_OT_add_head,
    LIPWRIGHT_OT_refresh_models, LIPWRIGHT_OT_stop_backend,
)
