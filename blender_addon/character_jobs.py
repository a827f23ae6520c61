"""Run a prepare-character job (find landmarks, or fit) off the main thread; hand its result to the main thread.

Like job_runner's lines: a worker thread talks to the backend, a bpy.app.timers callback reports progress
and hands the finished job over; in background mode (no timers) it all runs before `start` returns.
Only plain data crosses threads: names, bytes and arrays, never Blender data.
"""

import threading
from dataclasses import dataclass, field

import numpy as np

from . import job_runner, prepare_wire
from .client import PREPARE


@dataclass
class CharacterJob(job_runner.JobProgress):
    step: str                 # "landmarks" or "fit"
    object_name: str
    request: bytes            # prepare_wire.encode_prepare_request(...)
    basis: np.ndarray         # (V, 3) the Basis as sent: the fit is refused if the mesh changed meanwhile
    result: dict | None = None  # prepare_wire.decode_prepare_result(...), once done
    parts: list = field(default_factory=list)  # character_parts.SentPart of each separate part sent


def run_character_job(job: CharacterJob, connect) -> None:
    """The whole job on the calling thread. connect() -> Client (it may start the local backend)."""
    def work():
        job.message = "Connecting to the backend"
        client = connect()
        if job.cancel_requested:
            raise job_runner.Cancelled
        job.message = "Sending the character's mesh"
        data = job_runner.submit_and_follow(job, client, lambda: client.submit(job.request, route=PREPARE))
        job.result = prepare_wire.decode_prepare_result(data)

    job_runner.run_to_the_end(job, work)


_current: CharacterJob | None = None


def current_job() -> CharacterJob | None:
    return _current


def is_running() -> bool:
    return _current is not None and not _current.done


def start(job: CharacterJob, connect, on_done, on_update, background: bool):
    """on_update(job) runs on the main thread while the job runs; on_done(job) once when it has ended.
    Returns the timer callback (None in background mode, where all is done before this returns)."""
    global _current
    _current = job
    if background:
        run_character_job(job, connect)
        on_done(job)
        return None
    threading.Thread(target=run_character_job, args=(job, connect), daemon=True,
                     name="lipwright-character").start()

    def poll():
        if not job.done:
            on_update(job)
            return job_runner.POLL_SECONDS
        job_runner.forget_timer(poll)
        on_done(job)
        return None

    job_runner.register_timer(poll)
    return poll


def cancel_current() -> bool:
    if not is_running():
        return False
    _current.cancel_requested = True
    return True


def take_result(object_name: str, step: str) -> CharacterJob | None:
    """The finished job of this step for this object, if it is the last one run."""
    job = _current
    if job is None or job.state != "done" or job.object_name != object_name or job.step != step:
        return None
    return job
