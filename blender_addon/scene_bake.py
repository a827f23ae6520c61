"""Bake All: every sound strip of a scene onto the character a rule picks, only the lines whose inputs
changed, in one batch of background jobs, then baked together in one undo step with a report.

The rule (on the scene, see cast_properties): a strip name prefix, a sequencer channel, or an explicit
strip -> character table. A line is skipped when its content hash (line_hash) and place match the baked
line's; a changed line is re-baked in place on its own track, so other lines and tweak tracks stay as
they are. One line's failure is recorded and the others go on.
"""

import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import bpy

from . import (bake, compat, job_runner, line_overlap, line_store, line_sync, operators, scene_data, subtitle_cues,
               wire)
from .preferences import backend_settings

BAKED, UNCHANGED, SKIPPED, FAILED = "BAKED", "UNCHANGED", "SKIPPED", "FAILED"


@dataclass
class LineOutcome:
    strip_name: str
    character: str  # the object's name; '' when the strip maps to none
    outcome: str    # BAKED, UNCHANGED, SKIPPED or FAILED
    reason: str = ""


@dataclass
class BakeAllReport:
    lines: list = field(default_factory=list)  # LineOutcome per sound strip, in playing order

    def count(self, outcome) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    def summary(self) -> str:
        return (f"Bake All: {self.count(BAKED)} baked, {self.count(UNCHANGED)} unchanged, "
                f"{self.count(SKIPPED)} skipped, {self.count(FAILED)} failed")


# --- Which character says which strip ----------------------------------------------------------

def character_for(strip, cast):
    """(the mesh object the cast's rule gives the strip, or None; why none)."""
    rows = list(cast.rows)
    if cast.rule == "PREFIX":
        fitting = [row for row in rows if row.match and strip.name.lower().startswith(row.match.lower())]
        row = max(fitting, key=lambda row: len(row.match), default=None)
        missing = f"no prefix in the cast starts '{strip.name}'"
    elif cast.rule == "CHANNEL":
        row = next((row for row in rows if row.channel == strip.channel), None)
        missing = f"channel {strip.channel} has no character in the cast"
    else:
        row = next((row for row in rows if row.match == strip.name), None)
        missing = "the strip is not in the cast table"
    if row is None:
        return None, missing
    if row.character is None:
        return None, f"its cast row ({row.match or row.channel}) names no character"
    return row.character, ""


def scene_strips(scene) -> list:
    """The scene's sound strips in playing order."""
    return sorted((s for s in compat.sound_strips(scene) if s.sound is not None),
                  key=lambda s: (s.frame_start, s.channel))


# --- Planning: what to bake, what to skip ------------------------------------------------------

@dataclass
class Plan:
    report: BakeAllReport
    specs: list  # job specs of the lines to bake


class Planner:
    """Reads the strips one at a time (each is a Blender mixdown, ~0.1 s): a timer runs a few per tick so
    the UI stays responsive. Keeps names, not Blender data, between steps (the user may undo meanwhile)."""

    def __init__(self, scene_name: str):
        self.scene_name = scene_name
        self.names = [strip.name for strip in scene_strips(bpy.data.scenes[scene_name])]
        self.plan = Plan(BakeAllReport(), [])
        self.synced = set()
        self.cancelled = False
        self.poll = None  # the planning timer's callback, while it runs

    @property
    def done(self) -> bool:
        return len(self.plan.report.lines) == len(self.names)

    def step(self) -> bool:
        """Plan the next strip; False when every strip is planned."""
        if self.done:
            return False
        name = self.names[len(self.plan.report.lines)]
        scene = bpy.data.scenes.get(self.scene_name)
        strip = compat.find_strip(scene, name) if scene is not None else None
        if strip is None:
            self.plan.report.lines.append(LineOutcome(name, "", SKIPPED, "the strip went while Bake All read it"))
        else:
            self.plan.report.lines.append(self._plan_line(scene, strip))
        return not self.done

    def _plan_line(self, scene, strip) -> LineOutcome:
        obj, why = character_for(strip, scene.lipwright_cast)
        if obj is None:
            return LineOutcome(strip.name, "", SKIPPED, why)
        if strip.mute:
            return LineOutcome(strip.name, obj.name, SKIPPED, "muted in the Sequencer")
        try:
            if obj.name not in self.synced:  # moved strips take their lines along without the model
                line_sync.sync_lines(scene, obj)
                self.synced.add(obj.name)
            # job_spec reads only the context's scene
            spec = operators.job_spec(SimpleNamespace(scene=scene), strip, obj=obj)
        except (scene_data.SceneDataError, bake.BakeError) as error:
            return LineOutcome(strip.name, obj.name, FAILED, str(error))
        if is_unchanged(obj, spec):
            return LineOutcome(strip.name, obj.name, UNCHANGED, "its audio, transcript, model, options and "
                                                                "character are as when it was baked")
        self.plan.specs.append(spec)
        return LineOutcome(strip.name, obj.name, "", "")  # filled when its job ends

    def cancel(self) -> None:
        """Stop reading strips: the strips not read yet and the lines not run are reported as cancelled."""
        self.cancelled = True
        for name in self.names[len(self.plan.report.lines):]:
            self.plan.report.lines.append(LineOutcome(name, "", SKIPPED, "Bake All was cancelled"))
        for line in self.plan.report.lines:
            if not line.outcome:
                line.outcome, line.reason = SKIPPED, "Bake All was cancelled"
        self.plan.specs.clear()


def plan_bake_all(context) -> Plan:
    """Map, sync and hash every strip of the context's scene at once: the specs of the lines to bake, and
    the outcome of the others (skipped, unchanged, or failed before the model ran)."""
    planner = Planner(context.scene.name)
    while planner.step():
        pass
    return planner.plan


def is_unchanged(obj, spec) -> bool:
    track = bake.lipwright_tracks(obj).get(spec.line_id)
    action = track.strips[0].action if track is not None and len(track.strips) else None
    return (action is not None and line_store.content_hash(action) == spec.content_hash
            and int(action.get(line_store.FRAME_START, -1)) == spec.frame_start)


# --- Running and baking ------------------------------------------------------------------------

PLAN_SLICE_SECONDS = 0.05  # the planning timer's work per tick: the UI redraws between slices
_last_report = BakeAllReport()
_planner: Planner | None = None


def last_report() -> BakeAllReport:
    return _last_report


def current_planner() -> Planner | None:
    return _planner


def start_bake_all(context, background: bool | None = None) -> BakeAllReport:
    """Read the strips (a timer does a few per tick), then run the changed lines as one batch on a worker
    thread; they are baked together when the batch ends (finish_bake_all). In background mode (default:
    Blender's), where timers never fire, everything happens here and the returned report is complete."""
    global _last_report, _planner
    background = bpy.app.background if background is None else background
    planner = _planner = Planner(context.scene.name)
    _last_report = planner.plan.report
    state = context.window_manager.lipwright_job
    state.last_error, state.last_report, state.last_warning, state.progress = "", "", "", 0.0
    state.running, state.message = True, "Reading the strips"
    connect = backend_settings(context).connect
    if background:
        while planner.step():
            pass
        _run(planner, connect, background=True)
        return planner.plan.report

    def tick():
        deadline = time.monotonic() + PLAN_SLICE_SECONDS
        while not planner.cancelled and planner.step() and time.monotonic() < deadline:
            pass
        if not (planner.done or planner.cancelled):
            state = bpy.context.window_manager.lipwright_job
            state.message = f"Reading strip {len(planner.plan.report.lines) + 1}/{len(planner.names)}"
            operators._redraw()
            return 0.0
        job_runner.forget_timer(tick)
        planner.poll = None
        _run(planner, connect, background=False)
        return None

    planner.poll = tick
    job_runner.register_timer(tick)
    return planner.plan.report


def _run(planner: Planner, connect, background: bool) -> None:
    """The planned lines as one batch; finish_bake_all once every job has ended."""
    plan = planner.plan
    if not plan.specs:
        finish_bake_all(plan.report, [])
        return
    finished = []

    def on_update(batch):
        operators.on_batch_update(batch)
        if batch.done and not finished:
            finished.append(True)
            finish_bake_all(plan.report, batch.jobs)

    job_runner.start_batch(plan.specs, connect, lambda job: None, on_update, background=background)


def cancel_planning() -> bool:
    """The Cancel button while Bake All reads the strips: nothing runs, nothing is baked."""
    if _planner is None or _planner.poll is None:
        return False
    _planner.cancel()
    return True


def abandon() -> list:
    """Another file is opening: stop reading strips, and name the strips of this Bake All not baked (its
    lines are baked only when the batch ends, so that covers the lines whose jobs already finished)."""
    global _planner
    planner, _planner = _planner, None
    if planner is None:
        return []
    if planner.poll is not None:
        if bpy.app.timers.is_registered(planner.poll):
            bpy.app.timers.unregister(planner.poll)
        job_runner.forget_timer(planner.poll)
    read = planner.plan.report.lines
    return [line.strip_name for line in read if not line.outcome] + planner.names[len(read):]


def finish_bake_all(report: BakeAllReport, jobs: list) -> None:
    """Main thread, once every job has ended: bake the finished lines (each whole or not at all), record
    every outcome, push one undo step, and show the report."""
    global _planner
    _planner = None
    pending = iter([line for line in report.lines if not line.outcome])
    baked = 0
    for job in jobs:
        line = next(pending)
        line.outcome, line.reason = bake_job(job)
        baked += line.outcome == BAKED
    for name in {line.character for line in report.lines if line.character}:
        obj = bpy.data.objects.get(name)
        if obj is not None:  # NLA strips the animator moved by hand cross-fade where they play now
            line_overlap.crossfade_lines(obj)
    state = bpy.context.window_manager.lipwright_job
    state.running, state.progress, state.message = False, 1.0, ""
    state.last_report = report.summary()
    for line in report.lines:  # failures also go to the top of the main panel, cause first
        if line.outcome == FAILED:
            operators._add_error(state, f"{line.strip_name}: {line.reason}")
    show_report(report)
    if baked and not bpy.app.background:
        bpy.ops.ed.undo_push(message="Lipwright Bake All")


def bake_job(job) -> tuple:
    """(outcome, reason) of baking one ended job; the line moves off another character that had it."""
    if job.state != "done":
        return FAILED, job.error or job.message or job.state
    try:
        report = operators.apply_job(job)
    except (bake.BakeError, wire.WireError) as error:
        return FAILED, str(error)
    except Exception as error:  # a bug in one line must not lose the others
        import traceback

        traceback.print_exc()
        return FAILED, f"internal error while baking ({type(error).__name__}: {error}); see the system console"
    scene = bpy.data.scenes.get(job.spec.scene_name)
    moved = [other.name for other in line_sync.faces_with_lines(scene) if other.name != job.spec.object_name
             and bake.remove_bake(other, job.spec.line_id)]
    reason = f"frames {report.frame_start}-{report.frame_end}"
    if moved:
        reason += f"; moved off {', '.join(moved)}"
    return BAKED, reason


def show_report(report: BakeAllReport) -> None:
    """Mirror the report into the WindowManager list the panel draws (not saved with the file)."""
    shown = bpy.context.window_manager.lipwright_bake_all
    shown.lines.clear()
    for line in report.lines:
        item = shown.lines.add()
        reason = (line.reason.strip().splitlines() or [""])[0]  # the cause; the rest is in the console
        item.strip, item.character, item.outcome, item.reason = line.strip_name, line.character, line.outcome, reason


# --- Transcripts from one subtitle file --------------------------------------------------------

def strip_spans(scene) -> dict:
    """{strip name: (start s, end s)} of the visible sound strips; 0 s is the scene's first frame, as in
    the subtitles Blender's Sequencer exports."""
    fps = scene_data.scene_fps(scene)
    return {strip.name: ((strip.frame_final_start - scene.frame_start) / fps,
                         (strip.frame_final_end - scene.frame_start) / fps) for strip in scene_strips(scene)}


def load_subtitles(scene, path: str) -> subtitle_cues.CueMatch:
    """Set each strip's transcript from the cues of the subtitle file that overlap it most (strips
    without a cue keep theirs). Raises SubtitleError."""
    from .properties import TRANSCRIPT_KEY

    matched = subtitle_cues.match_cues(subtitle_cues.read_cues(bpy.path.abspath(path)), strip_spans(scene))
    for name, text in matched.transcripts.items():
        compat.find_strip(scene, name)[TRANSCRIPT_KEY] = text
    return matched
