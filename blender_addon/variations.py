"""Variations of one line from a model that samples (gldtalker, landmarks): the line generated with
consecutive seeds, all kept on the line so the animator plays each (the line's Variation control and
Apply Controls, without running the model again) and keeps one, whose seed is recorded with the bake."""

import bpy
import numpy as np

from . import bake, compat, job_runner, line_store, operators, wire
from .line_control_operators import _LineOperator, panel_line
from .preferences import backend_settings


def variation_specs(context, strip, count: int, first_seed: int) -> list:
    """One job per seed, validated before any starts. Raises SceneDataError/BakeError."""
    specs = [operators.job_spec(context, strip, seed=first_seed + k) for k in range(count)]
    if specs[0].mode != "ARKIT":
        raise bake.BakeError("variations are kept as ARKit weights: choose a face with ARKit-named shape keys "
                             "(Add Head gives one), or generate the line once")
    return specs


def bake_variations(jobs: list, seeds: list) -> bake.BakeReport:
    """Bake the first variation, keeping every variation's weights and seed on the line."""
    results = [job.decoded if job.decoded is not None else wire.decode_result(job.result) for job in jobs]
    weights = [np.asarray(result["weights"], dtype=np.float32) for result in results]
    if any(w.shape != weights[0].shape for w in weights):
        raise bake.BakeError("the variations came back with different lengths; generate them again")
    if all(np.array_equal(w, weights[0]) for w in weights[1:]):
        model = results[0]["meta"].get("model", "the model")
        raise bake.BakeError(f"'{model}' gave the same motion for every seed: variations need a model that "
                             "samples (gldtalker or landmarks)")
    spec = jobs[0].spec
    scene, obj = bpy.data.scenes.get(spec.scene_name), bpy.data.objects.get(spec.object_name)
    if scene is None or obj is None:
        raise bake.BakeError(f"'{spec.object_name}' or scene '{spec.scene_name}' is gone; nothing was baked")
    strip = compat.find_strip(scene, spec.strip_name)
    if strip is not None and getattr(strip, "lipwright_line", None) is not None:
        strip.lipwright_line.variation = 0
    first = {**results[0], "variations": np.stack(weights), "variation_seeds": list(seeds),
             "meta": {**results[0]["meta"], "content_hash": spec.content_hash}}  # Bake All keeps the pick
    return bake.bake_result(scene, obj, first, spec.strip_name, spec.frame_start, spec.mode, line_id=spec.line_id,
                            sound_start=spec.sound_start)


class LIPWRIGHT_OT_generate_variations(bpy.types.Operator):
    """Generate several variations of the chosen line (one per seed) and keep them all on the line to choose from"""

    bl_idname = "lipwright.generate_variations"
    bl_label = "Generate Variations"
    bl_options = {"REGISTER"}  # the bake, later on the main thread, pushes its own undo step

    @classmethod
    def poll(cls, context):
        return operators._generate_poll(cls, context)

    def execute(self, context):
        try:
            _, _, strip = panel_line(context)
            line = strip.lipwright_line
            seeds = [line.variation_seed + k for k in range(line.variation_count)]
            specs = variation_specs(context, strip, len(seeds), seeds[0])
        except (line_store.LineError, operators.scene_data.SceneDataError, bake.BakeError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        state = context.window_manager.lipwright_job
        state.last_error, state.last_report, state.last_warning, state.running, state.progress = "", "", "", True, 0.0
        finished = []

        def on_line_done(job):
            finished.append(job)
            if job.state == "failed":
                operators._add_error(state, f"{job.spec.strip_name} (seed {seeds[len(finished) - 1]}): {job.error}")
            if len(finished) < len(specs) or state.last_error:
                return
            try:
                report = bake_variations(finished, seeds)
                state.last_report = f"{report.summary()} ({len(seeds)} variations, seeds {seeds[0]}-{seeds[-1]})"
                if not bpy.app.background:
                    bpy.ops.ed.undo_push(message=f"Lipwright Variations {job.spec.strip_name}")
            except (bake.BakeError, wire.WireError) as error:
                operators._add_error(state, f"{job.spec.strip_name}: {error}")

        job_runner.start_batch(specs, backend_settings(context).connect, on_line_done, operators.on_batch_update,
                               background=bpy.app.background)
        if not bpy.app.background:
            return {"FINISHED"}
        if state.last_error or len(finished) < len(specs):
            self.report({"ERROR"}, state.last_error or "the variations did not finish")
            return {"CANCELLED"}
        self.report({"INFO"}, state.last_report)
        return {"FINISHED"}


class LIPWRIGHT_OT_keep_variation(_LineOperator):
    """Keep the variation the line plays now: it becomes the line's result (its seed recorded) and the others are dropped"""

    bl_idname = "lipwright.keep_variation"
    bl_label = "Keep Variation"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context):
        try:
            scene, obj, strip = panel_line(context)
            seed = line_store.keep_variation(scene, obj, strip.name)
        except (line_store.LineError, bake.BakeError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Kept the variation with seed {seed} of '{strip.name}'")
        return {"FINISHED"}


classes = (LIPWRIGHT_OT_generate_variations, LIPWRIGHT_OT_keep_variation)
