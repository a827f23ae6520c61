"""Operators: thin wrappers that validate, call plain functions, and report."""

import os
import sys

import bpy

from . import bake, character_keys, compat, head, job_runner, line_hash, properties, scene_data, wire
from .backend_process import stop_local_backend
from .client import BackendError
from .preferences import backend_settings


# --- Plain functions the operators call ---------------------------------------------------------

def chosen_strip(context):
    """The strip the panel points at: the chosen sound strip, or the one made for the chosen file."""
    scene, settings = context.scene, context.scene.lipwright
    if settings.audio_source == "FILE":
        strip = ensure_file_strip(scene, settings.audio_path)
        if settings.file_transcript.strip() and not properties.strip_transcript(strip):
            strip[properties.TRANSCRIPT_KEY] = settings.file_transcript
        return strip
    if settings.sound_strip in ("", "NONE"):
        raise scene_data.SceneDataError("choose a sound strip, or switch Audio to File")
    return scene_data.sound_strip(scene, settings.sound_strip)


def job_spec(context, strip, seed: int | None = None, obj=None) -> job_runner.JobSpec:
    """Gather one line's audio, mesh and options on the main thread (seed: for models that sample; obj:
    the character, the panel's face by default). Raises SceneDataError/BakeError."""
    scene = context.scene
    settings = scene.lipwright
    obj = obj or settings.target
    if obj is None or obj.type != "MESH":
        raise scene_data.SceneDataError("choose the face mesh (Face) first")
    bake.check_bakeable(obj)  # linked or rig-driven keys: refused before the model runs
    audio = scene_data.strip_audio(scene, strip)  # as heard: offset, trims and fades applied
    model = settings.model or properties.DEFAULT_MODEL
    # A vertex-space model has no weights: its offsets are baked (AUTO picks Basis Keys).
    weights_model = properties.model_motion_space(model) != "vertices"
    mode = bake.choose_mode(obj, None if weights_model else {}, settings.bake_mode)
    options = {"model": model, "fps": scene_data.scene_fps(scene)}
    transcript = properties.strip_transcript(strip)
    if transcript:
        options["transcript"] = transcript
    if model == properties.DEFAULT_MODEL and settings.recognition != "FAST":
        problem = "" if transcript else properties.recognition_problem(model, settings.recognition)
        if problem:  # refused before any upload, so the line and the scene stay as they are
            label = settings.bl_rna.properties["recognition"].enum_items[settings.recognition].name
            raise scene_data.SceneDataError(f"Without Transcript '{label}' cannot run in this backend ({problem}): "
                                            "choose Fast, or give the line a transcript")
        options["recognition"] = settings.recognition.lower()  # sent only when chosen: old lines' hashes hold
    speaker = properties.chosen_speaker(settings)
    if speaker:
        options["speaker"] = speaker
    if seed is not None:
        options["seed"] = int(seed)
    mesh = correspondence = None
    if mode == "ARKIT":  # weights drive the mesh's own keys: no mesh and no offsets needed, any topology works
        request = wire.encode_request(audio.data, options | {"offsets": False})
    else:
        mesh = scene_data.mesh_data(obj)
        # A prepared character: the backend carries the model's motion on the default head over to it.
        correspondence = character_keys.stored_correspondence(obj)
        request = wire.encode_request(audio.data, options, mesh.vertices, mesh.faces_flat, mesh.face_sizes,
                                      correspondence)
    character = line_hash.character_fingerprint(obj, mode, bake.user_key_names(obj), mesh, correspondence)
    return job_runner.JobSpec(request, scene.name, obj.name, strip.name, audio.frame_start, mode,
                              line_id=scene_data.strip_id(strip, scene), sound_start=audio.sound_start,
                              content_hash=line_hash.content_hash(audio.data, options, mode, character))


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
    result = job.decoded if job.decoded is not None else wire.decode_result(job.result)
    if spec.content_hash:  # kept with the line: Bake All skips it while its inputs stay the same
        result = {**result, "meta": {**result["meta"], "content_hash": spec.content_hash}}
    report = bake.bake_result(scene, obj, result, spec.strip_name, spec.frame_start, spec.mode, basis=job.basis,
                              line_id=spec.line_id, sound_start=spec.sound_start)
    # The model's own warnings (e.g. the transcript did not fit, so phones were recognised instead).
    report.model_warnings = [*result["meta"].get("warnings", []), *report.model_warnings]
    return report


def _redraw():
    for window in bpy.context.window_manager.windows:
        for area in window.screen.areas:
            if area.type in ("VIEW_3D", "PREFERENCES"):
                area.tag_redraw()


def on_line_done(job):
    """Main thread, as each line of a batch ends: bake it (its own undo step) or keep its error."""
    state = bpy.context.window_manager.lipwright_job
    if job.state == "done":
        try:
            report = apply_job(job)
            state.last_report = report.summary()
            for warning in report.model_warnings:
                state.last_warning = "\n".join(filter(None, (state.last_warning, f"{job.spec.strip_name}: {warning}")))
            if not bpy.app.background:
                bpy.ops.ed.undo_push(message=f"Lipwright Bake {job.spec.strip_name}")
        except (bake.BakeError, wire.WireError) as error:
            _add_error(state, f"{job.spec.strip_name}: {error}")
        except Exception as error:  # a bug: say so in the panel, keep the timer and the next lines going
            import traceback

            traceback.print_exc()
            _add_error(state, f"{job.spec.strip_name}: internal error while baking ({type(error).__name__}: {error}); "
                              "see the system console")
    elif job.state == "failed":
        _add_error(state, f"{job.spec.strip_name}: {job.error}")


def _add_error(state, error):
    """The panel keeps each failure's first line, its cause; the whole text goes to the console."""
    lines = str(error).strip().splitlines() or ["failed without a message"]
    if len(lines) > 1:
        print("Lipwright: " + "\n".join(lines), file=sys.stderr)
    state.last_error = "\n".join(filter(None, (state.last_error, lines[0])))


def on_batch_update(batch):
    """Main thread: mirror the batch into the WindowManager state the panel draws."""
    state = bpy.context.window_manager.lipwright_job
    state.progress, state.message, state.running = batch.progress, batch.message, not batch.done
    _redraw()


def start_generating(operator, context, strips) -> set:
    """Validate every line first (nothing starts if one is bad), then run them as one batch."""
    try:
        specs = [job_spec(context, strip) for strip in strips]
    except (scene_data.SceneDataError, bake.BakeError) as error:
        operator.report({"ERROR"}, str(error))
        return {"CANCELLED"}
    state = context.window_manager.lipwright_job
    state.last_error, state.last_report, state.last_warning, state.running, state.progress = "", "", "", True, 0.0
    settings = backend_settings(context)
    batch = job_runner.start_batch(specs, settings.connect, on_line_done, on_batch_update,
                                   background=bpy.app.background)
    if not bpy.app.background:
        return {"FINISHED"}
    # Background mode: the batch already ran and baked.
    if state.last_error or not all(job.state == "done" for job in batch.jobs):
        operator.report({"ERROR"}, state.last_error or batch.message)
        return {"CANCELLED"}
    operator.report({"INFO"}, state.last_report if len(strips) == 1 else f"Baked {len(strips)} lines")
    return {"FINISHED"}


# --- Operators -----------------------------------------------------------------------------------

def _generate_poll(cls, context) -> bool:
    settings = getattr(context.scene, "lipwright", None)
    if settings is None:
        return False
    if context.window_manager.lipwright_job.running:
        compat.poll_message(cls, "A job is running; wait for it or cancel it")
        return False
    if settings.target is None:
        compat.poll_message(cls, "Choose the face mesh to animate")
        return False
    return True


class LIPWRIGHT_OT_generate(bpy.types.Operator):
    """Animate the chosen sound strip on the face mesh and bake shape-key keyframes"""

    bl_idname = "lipwright.generate"
    bl_label = "Generate"
    bl_options = {"REGISTER"}  # the bake, later on the main thread, pushes its own undo step

    @classmethod
    def poll(cls, context):
        if not _generate_poll(cls, context):
            return False
        settings = context.scene.lipwright
        if settings.audio_source == "STRIP" and settings.sound_strip in ("", "NONE"):
            compat.poll_message(cls, "Add a sound strip in the Video Sequencer, or switch Audio to File")
            return False
        if settings.audio_source == "FILE" and not settings.audio_path:
            compat.poll_message(cls, "Choose a sound file")
            return False
        return True

    def execute(self, context):
        try:
            strip = chosen_strip(context)
        except scene_data.SceneDataError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        return start_generating(self, context, [strip])


class LIPWRIGHT_OT_generate_selected(bpy.types.Operator):
    """Animate every sound strip selected in the Sequencer on the face mesh, one after another (a dialogue scene)"""

    bl_idname = "lipwright.generate_selected"
    bl_label = "Generate Selected Strips"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        if not _generate_poll(cls, context):
            return False
        if not selected_sound_strips(context.scene):
            compat.poll_message(cls, "Select this character's sound strips in the Video Sequencer")
            return False
        return True

    def execute(self, context):
        return start_generating(self, context, selected_sound_strips(context.scene))


def selected_sound_strips(scene) -> list:
    """Selected sound strips in playing order."""
    return sorted((s for s in compat.sound_strips(scene) if s.select and s.sound is not None),
                  key=lambda s: (s.frame_start, s.channel))


class LIPWRIGHT_OT_cancel(bpy.types.Operator):
    """Cancel the running line and the lines still waiting"""

    bl_idname = "lipwright.cancel"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context):
        if not context.window_manager.lipwright_job.running:
            compat.poll_message(cls, "No job is running")
            return False
        return True

    def execute(self, context):
        from . import scene_bake  # late: Bake All builds on this module

        job_runner.cancel_current()
        scene_bake.cancel_planning()
        context.window_manager.lipwright_job.message = "Cancelling"
        return {"FINISHED"}


class LIPWRIGHT_OT_apply_result(bpy.types.Operator):
    """Bake the last finished lines again (for example after undoing their bake)"""

    bl_idname = "lipwright.apply_result"
    bl_label = "Apply Result"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        if not _finished_jobs():
            compat.poll_message(cls, "No finished job to apply")
            return False
        return True

    def execute(self, context):
        reports = []
        try:
            for job in _finished_jobs():
                reports.append(apply_job(job))
        except (bake.BakeError, wire.WireError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, reports[0].summary() if len(reports) == 1 else f"Baked {len(reports)} lines again")
        return {"FINISHED"}


def _finished_jobs() -> list:
    batch = job_runner.current_batch()
    return [] if batch is None else [job for job in batch.jobs if job.state == "done"]


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
                state.last_error = ""
                _add_error(state, error or "the scene was removed before the head arrived")
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
            state.last_error = ""
            if error:
                _add_error(state, error)
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
    LIPWRIGHT_OT_generate, LIPWRIGHT_OT_generate_selected, LIPWRIGHT_OT_cancel, LIPWRIGHT_OT_apply_result, LIPWRIGHT_OT_add_head,
    LIPWRIGHT_OT_refresh_models, LIPWRIGHT_OT_stop_backend,
)
