"""Prepare Character operators: Find Landmarks and Fit start a backend job; when it ends, one short operator
flagged UNDO writes its result (empties and stored landmarks; or the 52 ARKit keys and the fit's record)
after checking it, so each is one undo step and a refused result writes nothing."""

import math

import bpy

from . import (bake, character_jobs, character_keys, character_parts, compat, landmark_empties, mirror_whole,
               prepare_wire, scene_data, wire)
from .preferences import backend_settings


class CharacterError(ValueError):
    """The character cannot be prepared as it is; str() says why and what to do."""


# --- Plain functions the operators call ----------------------------------------------------------

def check_character(obj, apply_mirror: bool = False) -> None:
    """`apply_mirror`: the user chose to make a mirrored half whole (mirror_whole) as part of preparing it."""
    if obj is None or obj.type != "MESH":
        raise CharacterError("select the character's mesh (the one that holds the face) and make it active")
    bake.check_editable(obj)
    mirrored = [m.name for m in mirror_whole.mirror_modifiers(obj)]
    if mirrored and not apply_mirror:
        raise CharacterError(
            f"'{obj.name}' has a Mirror modifier ({', '.join(mirrored)}): shape keys on a mirrored half move both "
            "sides alike, so left and right ARKit keys (mouthSmileLeft...) cannot be made on it. Apply the Mirror "
            "modifier first (on a copy if you like), or tick Apply Mirror and Prepare to make the face whole as "
            "part of the fit (its shape keys and their animation are kept)")
    if mirrored:
        mirror_whole.supported_mirror(obj)
    vertex_count = len(obj.data.vertices) * (2 if mirrored else 1)  # at most twice the half
    if vertex_count > prepare_wire.MAX_CHARACTER_VERTICES:
        raise CharacterError(
            f"'{obj.name}' has {vertex_count:,} vertices; preparing a character works on meshes of up to "
            f"{prepare_wire.MAX_CHARACTER_VERTICES:,}. Prepare a lower-resolution copy (a lower Subdivision level, "
            "or a decimated copy): a Subdivision modifier adds the detail back after the shape keys")
    if len(obj.data.polygons) == 0:
        raise CharacterError(f"'{obj.name}' has no faces (polygons), so there is no face to fit: pick the head's "
                             "mesh itself, not loose vertices, edges or a curve")


def character_job(obj, step: str, use_detector: bool = True, parts=(),
                  apply_mirror: bool = False) -> character_jobs.CharacterJob:
    """Gather the character's base mesh (its Basis, before Armature, Subdivision or any modifier: the shape
    keys apply there; with `apply_mirror`, the whole face its Mirror modifier makes) and, for the fit, its
    landmarks and its separate teeth, tongue and eye meshes (`parts`).
    Raises CharacterError, MirrorRefused, SceneDataError, BakeError."""
    check_character(obj, apply_mirror)
    mirrored = bool(mirror_whole.mirror_modifiers(obj))
    mesh = mirror_whole.whole_mesh_data(obj) if mirrored else scene_data.mesh_data(obj)
    landmarks = None
    options = {"step": step, "use_detector": bool(use_detector)}
    part_meshes, sent = [], []
    if step == "fit":
        landmarks = landmark_empties.current_landmarks(obj)
        if not landmarks:
            raise CharacterError(f"'{obj.name}' has no landmarks yet: press Find Landmarks first")
        for part in parts:
            bake.check_editable(part)
        part_meshes, sent = character_parts.parts_request(obj, parts)
        if sent:
            options["part_names"] = [part.object_name for part in sent]
    request = prepare_wire.encode_prepare_request(options, mesh.vertices, mesh.faces_flat, mesh.face_sizes, landmarks,
                                                  part_meshes)
    return character_jobs.CharacterJob(step=step, object_name=obj.name, request=request, basis=mesh.vertices,
                                       parts=sent)


def place_landmarks(obj, scene, result: dict) -> int:
    """Store the found landmarks on the object and show them as empties; returns how many."""
    points = result["landmarks"]
    if not points or not all(len(p) == 3 and all(map(math.isfinite, p)) for p in points.values()):
        raise CharacterError("the backend sent no usable landmarks; find them again")
    landmark_empties.store_landmarks(obj, points, result["meta"].get("method", "detected"),
                                     result["meta"].get("warnings", []))
    landmark_empties.show_landmarks(obj, points, scene)
    return len(points)


def apply_fit(obj, job, replace_earlier: bool, apply_mirror: bool = False) -> str:
    """Checks the fit's result against the object, then writes its keys and record; returns a summary.
    A mirrored half (with `apply_mirror`) is made whole first, and given back its half if anything is refused."""
    check_character(obj, apply_mirror)
    whole = mirror_whole.make_whole(obj) if mirror_whole.mirror_modifiers(obj) else None
    try:
        plan = character_keys.plan_keys(obj, job.result, job.basis, scene_data.basis_coordinates(obj),
                                        replace_earlier)
        if not plan.offsets:
            raise CharacterError(f"'{obj.name}' already has all 52 ARKit-named keys; nothing was written. To remake "
                                 "the keys an earlier fit made, tick Replace Earlier Fit and fit again")
        part_plans = character_parts.plan_parts(obj, job.parts, job.result, replace_earlier, bpy.data)
        for part in part_plans:
            bake.check_editable(part.obj)
    except Exception:
        if whole is not None:
            whole.revert()
        raise
    if whole is not None:
        whole.finish()
    written = character_keys.write_keys(obj, plan)
    created = [name for name in written if name not in plan.replaced]
    character_keys.store_fit(obj, job.result, job.result["landmarks"], written, plan.kept)
    part_lines = character_parts.write_parts(obj, part_plans)
    landmark_empties.store_landmarks(obj, job.result["landmarks"], obj.get(landmark_empties.METHOD_KEY, "detected"),
                                     landmark_empties.stored_warnings(obj))
    summary = f"Made {len(created)} ARKit shape keys on '{obj.name}'" + (", made whole" if whole else "")
    if plan.replaced:
        summary += f", remade {len(plan.replaced)}"
    if plan.kept:
        summary += f"; kept {len(plan.kept)} existing ARKit-named keys as they were"
    if part_lines:
        summary += "; " + "; ".join(part_lines)
    return summary


def _scene_of(obj, context):
    return context.scene if obj.name in context.scene.objects else (obj.users_scene or (context.scene,))[0]


def _state():
    return bpy.context.window_manager.lipwright_prepare


def _redraw():
    for window in bpy.context.window_manager.windows:
        for area in window.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()


def _call_operator(operator, **properties):
    """Call an operator from a timer, in a window's context when there is one (none in background mode).
    A refusal it reports is already in the panel's state; here it only ends the call."""
    window_manager = bpy.context.window_manager
    window = bpy.context.window or (window_manager.windows[0] if window_manager.windows else None)
    try:
        if window is None:
            return operator(**properties)
        with bpy.context.temp_override(window=window):
            return operator(**properties)
    except RuntimeError:  # bpy.ops raises what the operator reported as an error
        return {"CANCELLED"}


def on_update(job):
    state = _state()
    state.running, state.progress, state.message = True, job.progress, job.message
    _redraw()


def on_done(job):
    """Main thread, once the job has ended: its result is written by the step's UNDO operator."""
    state = _state()
    state.running, state.progress, state.message = False, 1.0, ""
    if job.state == "done":
        writer = bpy.ops.lipwright.place_landmarks if job.step == "landmarks" else bpy.ops.lipwright.apply_fit
        _call_operator(writer, object_name=job.object_name)
    elif job.state == "failed":
        state.last_error = job.error
    else:
        state.last_report = "Cancelled"
    _redraw()


def start(operator, context, step: str) -> set:
    obj = landmark_empties.character_of(context.active_object)
    state = context.window_manager.lipwright_prepare
    if character_jobs.is_running():
        operator.report({"ERROR"}, "a character is being prepared already: wait for it or cancel it")
        return {"CANCELLED"}
    parts = character_parts.part_candidates(obj, context.selected_objects) if obj is not None else []
    try:
        settings = obj.lipwright_character if obj is not None else None
        job = character_job(obj, step, settings.use_detector if settings else True, parts,
                            settings.apply_mirror if settings else False)
    except (CharacterError, mirror_whole.MirrorRefused, character_parts.PartRefused, scene_data.SceneDataError,
            bake.BakeError, wire.WireError) as error:
        state.last_error = str(error)
        operator.report({"ERROR"}, str(error))
        return {"CANCELLED"}
    state.last_error, state.last_report = "", ""
    state.running, state.progress, state.message = True, 0.0, "Starting"
    character_jobs.start(job, backend_settings(context).connect, on_done, on_update, background=bpy.app.background)
    if bpy.app.background and state.last_error:  # synchronous there: the outcome is known now
        operator.report({"ERROR"}, state.last_error)
        return {"CANCELLED"}
    return {"FINISHED"}


def _mesh_poll(cls, context) -> bool:
    obj = landmark_empties.character_of(context.active_object)
    if obj is None or obj.type != "MESH":
        compat.poll_message(cls, "Select the character's mesh")
        return False
    if character_jobs.is_running():
        compat.poll_message(cls, "A character is being prepared")
        return False
    return True


# --- Operators -----------------------------------------------------------------------------------

class LIPWRIGHT_OT_find_landmarks(bpy.types.Operator):
    """Find the face's landmarks on the active mesh (in the background) and show them as empties you can move"""

    bl_idname = "lipwright.find_landmarks"
    bl_label = "Find Landmarks"
    bl_options = {"REGISTER"}  # the landmarks are written later by lipwright.place_landmarks (undoable)

    @classmethod
    def poll(cls, context):
        return _mesh_poll(cls, context)

    def execute(self, context):
        return start(self, context, "landmarks")


class LIPWRIGHT_OT_fit_character(bpy.types.Operator):
    """Fit the default head to the active mesh and make its 52 ARKit keys; selected teeth, tongue, eyes follow it"""

    bl_idname = "lipwright.fit_character"
    bl_label = "Fit"
    bl_options = {"REGISTER"}  # the keys are written later by lipwright.apply_fit, one undo step

    @classmethod
    def poll(cls, context):
        if not _mesh_poll(cls, context):
            return False
        obj = landmark_empties.character_of(context.active_object)
        if not landmark_empties.stored_landmarks(obj) and not landmark_empties.landmark_empties(obj):
            compat.poll_message(cls, "Find the landmarks first")
            return False
        return True

    def execute(self, context):
        return start(self, context, "fit")


class _WriteResult:
    bl_options = {"REGISTER", "UNDO", "INTERNAL"}

    object_name: bpy.props.StringProperty(options={"SKIP_SAVE"})

    def execute(self, context):
        state = context.window_manager.lipwright_prepare
        job = character_jobs.take_result(self.object_name, self.step)
        obj = bpy.data.objects.get(self.object_name)
        try:
            if job is None or obj is None:
                raise CharacterError(f"'{self.object_name}' or its finished job is gone; nothing was written")
            summary = self.write(context, obj, job)
        except (CharacterError, mirror_whole.MirrorRefused, character_keys.FitRefused, character_parts.PartRefused,
                bake.BakeError) as error:
            state.last_error = str(error)
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        state.last_error, state.last_report = "", summary
        self.report({"INFO"}, summary)
        return {"FINISHED"}


class LIPWRIGHT_OT_place_landmarks(_WriteResult, bpy.types.Operator):
    """Show the landmarks just found as empties on the character, and store them on it"""

    bl_idname = "lipwright.place_landmarks"
    bl_label = "Place Landmarks"
    step = "landmarks"

    def write(self, context, obj, job):
        count = place_landmarks(obj, _scene_of(obj, context), job.result)
        method = "by the face detector" if job.result["meta"].get("method") == "detected" else "from the shape alone"
        return f"Found {count} landmarks {method}: move the empties where needed, then Fit"


class LIPWRIGHT_OT_apply_fit(_WriteResult, bpy.types.Operator):
    """Write the fitted ARKit shape keys onto the character"""

    bl_idname = "lipwright.apply_fit"
    bl_label = "Apply Fit"
    step = "fit"

    def write(self, context, obj, job):
        settings = obj.lipwright_character
        return apply_fit(obj, job, settings.replace_earlier, settings.apply_mirror)


class LIPWRIGHT_OT_cancel_prepare(bpy.types.Operator):
    """Stop preparing the character (nothing is written)"""

    bl_idname = "lipwright.cancel_prepare"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context):
        return character_jobs.is_running()

    def execute(self, context):
        character_jobs.cancel_current()
        return {"FINISHED"}


classes = (LIPWRIGHT_OT_find_landmarks, LIPWRIGHT_OT_fit_character, LIPWRIGHT_OT_place_landmarks,
           LIPWRIGHT_OT_apply_fit, LIPWRIGHT_OT_cancel_prepare)
