"""Run a Lipwright job: a worker thread does the HTTP; a bpy.app.timers callback hands results to the main thread.

In background mode (bpy.app.background) timers never fire, so `run_job_sync` does the same work inline.
Only plain data crosses threads: the job holds names, bytes and numbers, never Blender data.
"""

import atexit
import threading
import time
from dataclasses import dataclass, field

from . import wire
from .basis import compress_to_basis
from .client import BackendError, BackendSilent

POLL_SECONDS = 0.25
# A busy or paused backend (a long line, a swapping machine, a debugger) may miss a request's timeout;
# the job goes on there, so the add-on keeps asking, and gives up only after this long without an answer.
SILENCE_LIMIT_SECONDS = 600.0


@dataclass
class JobSpec:
    """Everything a job needs, gathered on the main thread before it starts."""

    request: bytes          # wire.encode_request(...)
    scene_name: str
    object_name: str
    strip_name: str
    frame_start: int
    mode: str = "BASIS"     # ARKIT or BASIS: the panel's AUTO resolved for this mesh when the job was made
    line_id: str = ""       # the sound strip's stable id (scene_data.strip_id): re-bakes find their line by it
    sound_start: float | None = None  # the strip's frame_start when its audio was read (Sync to Strips)
    content_hash: str = ""  # line_hash.content_hash of the line's inputs, stored with the baked line


@dataclass(kw_only=True)
class JobProgress:
    """How far a backend job got, written by its thread and read by the main thread's timer."""

    state: str = "starting"  # starting -> queued/running -> done | failed | cancelled
    progress: float = 0.0
    message: str = "Starting"
    error: str = ""
    job_id: str = ""
    cancel_requested: bool = False
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> bool:
        return self.finished.is_set()


@dataclass
class Job(JobProgress):
    spec: JobSpec
    result: bytes = b""
    decoded: dict | None = None  # the result decoded, and its basis compressed, off the main thread
    basis: object = None


def run_job(job: Job, connect) -> None:
    """The whole job on the calling thread. connect() -> Client (it may start the local backend)."""
    def work():
        job.message = "Connecting to the backend"
        client = connect()
        if job.cancel_requested:
            raise Cancelled
        job.message = "Sending audio and mesh"
        job.result = submit_and_follow(job, client, lambda: client.submit(job.spec.request))
        job.message = "Preparing the bake"
        prepare_bake(job)

    run_to_the_end(job, work)


def run_to_the_end(job, work) -> None:
    """work() on the calling thread; how it ended (done, cancelled, failed with a message) is recorded on
    `job` (state, progress, message, error), and job.finished is set whatever happens."""
    try:
        work()
        job.state, job.progress, job.message = "done", 1.0, "Done"
    except Cancelled:
        job.state, job.message = "cancelled", "Cancelled"
    except (BackendError, wire.WireError) as error:
        job.state, job.error, job.message = "failed", str(error), "Failed"
    except Exception as error:  # a bug must still end the job, not leave the panel spinning
        job.state, job.error, job.message = "failed", f"{type(error).__name__}: {error}", "Failed"
    finally:
        job.finished.set()


def submit_and_follow(job, client, submit) -> bytes:
    """submit() -> the backend's job id; then follow that job onto `job` (its job_id, state, progress and
    message; its cancel_requested is watched) and return its result's bytes. Raises Cancelled or
    BackendError."""
    job.job_id = submit()
    while True:
        if job.cancel_requested:
            try:
                client.cancel(job.job_id)
            except BackendError:
                pass
            raise Cancelled
        status = _patiently(job, lambda: client.status(job.job_id), "following the job")
        if status is None:
            continue  # cancelled while the backend was silent: the loop sends the cancel
        job.state = status.get("state", "running")
        job.progress = float(status.get("progress") or 0.0)
        job.message = status.get("message") or job.state.capitalize()
        if job.state == "done":
            break
        if job.state == "failed":
            raise BackendError(status.get("error") or "the job failed without a message")
        if job.state == "cancelled":
            raise Cancelled
        time.sleep(POLL_SECONDS)
    job.message = "Downloading the result"
    result = _patiently(job, lambda: client.result(job.job_id), "downloading the result")
    if result is None:
        raise Cancelled
    return result


def _patiently(job: Job, call, doing: str):
    """call() until the backend answers: silence is waited out (the job is still running there) up to
    SILENCE_LIMIT_SECONDS; any other error is real and raised at once. None when the user cancels."""
    silent_since = None
    while True:
        try:
            return call()
        except BackendSilent:
            now = time.monotonic()
            silent_since = silent_since or now
            if now - silent_since > SILENCE_LIMIT_SECONDS:
                raise BackendError(
                    f"the Lipwright backend has not answered for {now - silent_since:.0f} s while {doing}; "
                    "it may be stuck: press Stop Backend in the add-on preferences (the next job starts a "
                    "fresh one) and try again"
                ) from None
            job.message = f"Waiting for the backend to answer ({now - silent_since:.0f} s)"
            if job.cancel_requested:
                return None
            time.sleep(POLL_SECONDS)


def prepare_bake(job: Job) -> None:
    """The bake's slow numpy work, here on the job thread: decode the result, compress the motion."""
    job.decoded = wire.decode_result(job.result)
    if job.spec.mode == "BASIS" and "offsets" in job.decoded:
        job.basis = compress_to_basis(job.decoded["offsets"])


class Cancelled(Exception):
    """The user cancelled the job (raised on the job's thread)."""


@dataclass
class Batch:
    """Dialogue lines animated one after another by one worker thread (the backend runs one job at a time
    anyway); each line is handed to the main thread to bake as soon as it is done."""

    jobs: list
    cancel_requested: bool = False
    handed_over: int = 0  # jobs whose end the main thread has seen (and baked)
    poll: object = None   # the timer callback: hands finished lines over; None once all are

    @property
    def done(self) -> bool:
        return all(job.done for job in self.jobs)

    @property
    def progress(self) -> float:
        finished = sum(1 for job in self.jobs if job.done)
        running = next((job.progress for job in self.jobs if not job.done), 0.0)
        return (finished + running) / len(self.jobs)

    @property
    def message(self) -> str:
        job = next((job for job in self.jobs if not job.done), self.jobs[-1])
        prefix = f"Line {self.jobs.index(job) + 1}/{len(self.jobs)}: " if len(self.jobs) > 1 else ""
        return prefix + job.message


def run_batch(batch: Batch, connect) -> None:
    for job in batch.jobs:
        if batch.cancel_requested:
            job.state, job.message = "cancelled", "Cancelled"
            job.finished.set()
            continue
        run_job(job, connect)


_current: Batch | None = None


def current_batch() -> Batch | None:
    return _current


def start_batch(specs: list, connect, on_line_done, on_update, background: bool) -> Batch:
    """Animate each spec in turn. on_line_done(job) runs on the main thread as each line ends (in order);
    on_update(batch) runs there while the batch runs and once more at its end. In background mode
    (timers never fire) everything happens before this returns."""
    global _current
    batch = Batch([Job(spec) for spec in specs])
    _current = batch

    def hand_over():
        while batch.handed_over < len(batch.jobs) and batch.jobs[batch.handed_over].done:
            on_line_done(batch.jobs[batch.handed_over])
            batch.handed_over += 1
        on_update(batch)

    if background:
        for job in batch.jobs:
            run_job(job, connect)
            hand_over()
        return batch
    threading.Thread(target=run_batch, args=(batch, connect), daemon=True, name="lipwright-batch").start()

    import bpy

    def poll():
        hand_over()
        if batch.handed_over == len(batch.jobs):
            _timers.discard(poll)
            return None
        return POLL_SECONDS

    batch.poll = poll
    register_timer(poll)
    return batch


def run_task(work, on_done, background: bool) -> None:
    """Short backend calls (the head template, the model list) off the main thread as well: the first
    call may have to start the backend, which takes seconds. on_done(value, error) runs on the main thread."""
    outcome = {}

    def target():
        try:
            outcome["value"] = work()
        except BackendError as error:
            outcome["error"] = str(error)
        except Exception as error:  # a bug must still reach the user as a message
            outcome["error"] = f"{type(error).__name__}: {error}"

    if background:
        target()
        on_done(outcome.get("value"), outcome.get("error", ""))
        return
    thread = threading.Thread(target=target, daemon=True, name="lipwright-task")
    thread.start()

    import bpy

    def poll():
        if thread.is_alive():
            return POLL_SECONDS
        _timers.discard(poll)
        on_done(outcome.get("value"), outcome.get("error", ""))
        return None

    register_timer(poll)


_timers: set = set()


def register_timer(poll) -> None:
    """Register a timer callback that stop_timers will unregister; it calls forget_timer(itself) when it
    returns None."""
    import bpy

    _timers.add(poll)
    bpy.app.timers.register(poll, first_interval=POLL_SECONDS)


def forget_timer(poll) -> None:
    _timers.discard(poll)


def stop_timers() -> None:
    """Unregister our timers (add-on unregister, Python exit): a timer left registered when the bpy
    module exits deadlocks Blender's own exit handlers, and after unregister it would call dead code."""
    import bpy

    for poll in list(_timers):
        if bpy.app.timers.is_registered(poll):
            bpy.app.timers.unregister(poll)
        _timers.discard(poll)


atexit.register(stop_timers)


def abandon_current() -> list:
    """Cancel the batch and stop handing its lines to the main thread (another file is opening: a line
    baked now would land in the wrong file). Returns the strip names of the lines not baked."""
    import bpy

    batch = _current
    if batch is None or batch.handed_over == len(batch.jobs):
        return []
    cancel_current()
    if batch.poll is not None and bpy.app.timers.is_registered(batch.poll):
        bpy.app.timers.unregister(batch.poll)
    _timers.discard(batch.poll)
    lost = [job.spec.strip_name for job in batch.jobs[batch.handed_over:]]
    batch.handed_over = len(batch.jobs)
    return lost


def cancel_current() -> bool:
    """Stop the running line (the backend cancels it) and drop the lines still waiting."""
    if _current is None or _current.done:
        return False
    _current.cancel_requested = True
    for job in _current.jobs:
        job.cancel_requested = True
    return True
