"""Models run in worker processes, one per model, so that the server never waits on them.

pocketsphinx holds the GIL for as long as it recognises, and native code (pocketsphinx, torch, CUDA) can
crash the process it runs in. So each model lives in a child process started with 'spawn' (never fork:
the server has threads): the server keeps answering while it works, a cancel that the model does not
honour within a short grace ends the process, and a crash costs the one job it was running. The child
writes the result file itself, so a large result never crosses the pipe; only progress and the outcome do.

Jobs for a batched model (registry: batched) that wait in the queue together are sent together and go
through one `animate_many` call (one batched forward pass on the GPU); each keeps its own result file and
outcome, and shares the progress. A cancel reaches the model only once every job of the group is cancelled
(the others still want their results); a cancelled job's result is dropped by the queue.

The same process handling serves other native-heavy work, such as preparing a character: a worker made with
its own `run_jobs` (a module-level function, like `_run_jobs`) runs that instead of a model.

Messages parent -> child: ("jobs", [PreparedAnimation], [result path]), ("cancel",), ("stop",).
Messages child -> parent: ("progress", fraction, message), then ("outcomes", [outcome per job]) with each
outcome ("done",), ("cancelled",), ("failed", message for the user) or ("crashed", message for the user).
"""

import logging
import multiprocessing
import signal
import threading
import time
import traceback
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Callable

from ..errors import JobCancelled, LipwrightError
from ..models import registry
from ..models.base import Progress
from .animation_job import PreparedAnimation, animate_prepared_to, animate_together_to
from .queue import GroupableWork, JobContext, Work

log = logging.getLogger(__name__)

CANCEL_GRACE_SECONDS = 2.0  # a model that reports no progress for this long after a cancel is ended
POLL_SECONDS = 0.05
STOP_SECONDS = 3.0


class ModelWorkers:
    """One ModelWorker per model name, each started on its first job and started again after it died.

    `setup` (a module-level function, so it can be sent to the child) runs in each child before its
    first job: the place to register models that the parent registered at run time.
    """

    def __init__(self, device: str, cancel_grace: float = CANCEL_GRACE_SECONDS,
                 setup: Callable[[], None] | None = None) -> None:
        self.device = device
        self.cancel_grace = cancel_grace
        self.setup = setup
        self._workers: dict[str, ModelWorker] = {}
        self._lock = threading.Lock()

    def run(self, prepared: PreparedAnimation, context: JobContext) -> Path:
        return self.worker_for(prepared.options.model).run(prepared, context)

    def run_together(self, prepared: list[PreparedAnimation], contexts: list[JobContext]) -> list[Path | LipwrightError]:
        return self.worker_for(prepared[0].options.model).run_together(prepared, contexts)

    def work_for(self, prepared: PreparedAnimation) -> "Work | GroupableWork":
        """What the queue runs for this job: for a batched model, work that may join the other waiting jobs
        for the same model."""
        model = prepared.options.model
        if model in registry.model_names() and registry.model_info(model).batched:
            return GroupableWork(group=model, item=prepared, run_together=self.run_together)
        return lambda context: self.run(prepared, context)

    def worker_for(self, model_name: str, run_jobs: "RunJobs | None" = None) -> "ModelWorker":
        """The worker for `model_name`; with `run_jobs`, a worker for other work under that name."""
        with self._lock:
            worker = self._workers.get(model_name)
            if worker is None:
                worker = self._workers[model_name] = ModelWorker(model_name, self.device, self.cancel_grace, self.setup,
                                                                 run_jobs)
            return worker

    def pids(self) -> dict[str, int]:
        """The live worker processes by model name."""
        with self._lock:
            return {name: worker.pid for name, worker in self._workers.items() if worker.pid is not None}

    def close(self) -> None:
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.stop()


class ModelWorker:
    """The parent's handle on one model's process; `run` is called by one thread at a time (the queue's)."""

    def __init__(self, model_name: str, device: str, cancel_grace: float,
                 setup: Callable[[], None] | None = None, run_jobs: "RunJobs | None" = None) -> None:
        self.model_name = model_name
        self.device = device
        self.cancel_grace = cancel_grace
        self.setup = setup
        self.run_jobs = run_jobs
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def run(self, prepared: PreparedAnimation, context: JobContext) -> Path:
        """Run one job in the child; returns the result file, raises JobCancelled or a LipwrightError."""
        outcome = self.run_together([prepared], [context])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def run_together(self, prepared: list[PreparedAnimation], contexts: list[JobContext]) -> list[Path | LipwrightError]:
        """Run jobs of this model in the child, together; each job's result file or the error (JobCancelled
        included) that ended it. Raises when the whole group failed (the worker died, all were cancelled)."""
        message = ("jobs", list(prepared), [str(context.result_path) for context in contexts])
        self._start_if_needed()
        try:
            self._connection.send(message)
        except (BrokenPipeError, ConnectionError, EOFError):
            self._forget_process()  # it died between jobs: start it again once
            self._start_if_needed()
            self._connection.send(message)
        del prepared, message  # the child has its own copy now
        cancel_sent_at = None
        while True:
            ready = wait([self._connection, self._process.sentinel], timeout=POLL_SECONDS)
            if self._connection in ready:
                try:
                    message = self._connection.recv()
                except (EOFError, ConnectionError):
                    raise self._died() from None
                outcomes = self._handle(message, contexts)
                if outcomes is not None:
                    return outcomes
            elif ready:  # only the sentinel: the process ended without a word
                raise self._died()
            if all(context.cancel_requested.is_set() for context in contexts):
                if cancel_sent_at is None:
                    cancel_sent_at = time.monotonic()
                    self._send_quietly(("cancel",))
                elif time.monotonic() - cancel_sent_at > self.cancel_grace:
                    # Busy in native code that reports nothing: end the process, the next job starts another.
                    log.warning("the %s worker did not stop within %.1f s of a cancel; ending it",
                                self.model_name, self.cancel_grace)
                    self.stop(graceful=False)
                    for context in contexts:
                        context.result_path.unlink(missing_ok=True)
                    raise JobCancelled("cancelled by the user")

    def stop(self, graceful: bool = True) -> None:
        process = self._process
        if process is None:
            return
        if graceful:
            self._send_quietly(("stop",))
            process.join(STOP_SECONDS)
        if process.is_alive():
            process.terminate()
            process.join(STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join(STOP_SECONDS)
        self._forget_process()

    # --- helpers ------------------------------------------------------------------------------

    def _handle(self, message: tuple, contexts: list[JobContext]) -> list[Path | LipwrightError] | None:
        kind = message[0]
        if kind == "progress":
            for context in contexts:
                try:
                    context(message[1], message[2])
                except JobCancelled:
                    pass  # the cancel flag is seen and sent on by the loop
            return None
        if kind == "outcomes" and len(message[1]) == len(contexts):
            return [self._outcome(outcome, context) for outcome, context in zip(message[1], contexts)]
        raise LipwrightError(f"the {self.model_name} worker sent an unknown message {kind!r}; this is a bug")

    def _outcome(self, outcome: tuple, context: JobContext) -> Path | LipwrightError:
        kind = outcome[0]
        if kind == "done":
            return context.result_path
        if kind == "cancelled":
            return JobCancelled("cancelled by the user")
        if kind in ("failed", "crashed"):
            return LipwrightError(outcome[1])
        return LipwrightError(f"the {self.model_name} worker sent an unknown outcome {kind!r}; this is a bug")

    def _died(self) -> LipwrightError:
        process = self._process
        process.join(STOP_SECONDS)
        code = process.exitcode
        self._forget_process()
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with code {code}"
        log.error("the %s worker process %s while running a job", self.model_name, how)
        return LipwrightError(
            f"the {self.model_name} model's worker process {how} while running this job (a crash in native "
            "code, or out of memory); the server is fine and starts a fresh worker for the next job. "
            "Try again; if it happens again, try shorter audio or another model, and see the server log"
        )

    def _start_if_needed(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._forget_process()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=serve_model, args=(self.model_name, self.device, child_end, self.setup, self.run_jobs),
            name=f"lipwright-model-{self.model_name}", daemon=True,
        )
        process.start()
        child_end.close()  # only the child holds it now, so its death reads as EOF here
        self._process, self._connection = process, parent_end

    def _forget_process(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._process, self._connection = None, None

    def _send_quietly(self, message: tuple) -> None:
        try:
            self._connection.send(message)
        except (OSError, ValueError, AttributeError):
            pass


# --- the child process -----------------------------------------------------------------------------


RunJobs = Callable[[list, list[Path], Connection, str], list[tuple]]


def serve_model(model_name: str, device: str, connection: Connection, setup: Callable[[], None] | None,
                run_jobs: RunJobs | None = None) -> None:
    """The worker process's main loop: one job at a time until "stop" or the parent goes away. run_jobs
    (default: the model's animation, `_run_jobs`) turns each message's items into their outcomes."""
    run_jobs = run_jobs or _run_jobs
    # Ctrl+C or a closed terminal reaches the whole process group; the server decides when we stop
    # (and if it dies, the pipe closes and we stop).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if setup is not None:
        setup()
    while True:
        try:
            message = connection.recv()
        except (EOFError, ConnectionError):
            return  # the server is gone
        if message[0] == "stop":
            return
        if message[0] != "jobs":
            continue  # a cancel for a job that has already ended
        _, prepared, result_paths = message
        try:
            reply = ("outcomes", run_jobs(prepared, [Path(path) for path in result_paths], connection, device))
        except (BrokenPipeError, ConnectionError, EOFError):
            return
        del prepared, message
        try:
            connection.send(reply)
        except (BrokenPipeError, ConnectionError):
            return


def progress_sender(connection: Connection) -> Progress:
    """The child's progress callback: sends each report to the parent, and raises JobCancelled once the
    parent asked to cancel or stop."""
    def progress(fraction: float, message: str) -> None:
        connection.send(("progress", float(fraction), str(message)))
        while connection.poll():
            if connection.recv()[0] in ("cancel", "stop"):
                raise JobCancelled("cancelled by the user")
    return progress


def _run_jobs(prepared: list[PreparedAnimation], result_paths: list[Path], connection: Connection,
              device: str) -> list[tuple]:
    progress = progress_sender(connection)
    model_name = prepared[0].options.model
    try:
        if len(prepared) == 1 and not registry.model_info(model_name).batched:
            # Streamed into a file beside the result and renamed onto it: offsets are computed a block at a
            # time while they are written, so neither they nor the npz are ever whole in this process.
            animate_prepared_to(prepared[0], progress, device, result_paths[0])
            return [("done",)]
        errors = animate_together_to(prepared, progress, device, result_paths)
        return [("done",) if error is None else ("failed", str(error)) for error in errors]
    except JobCancelled:
        return [("cancelled",)] * len(prepared)
    except LipwrightError as error:
        return [("failed", str(error))] * len(prepared)
    except (BrokenPipeError, ConnectionError, EOFError):
        raise
    except Exception as error:  # a bug in a model fails its jobs; the worker goes on
        log.error("a job crashed in the %s worker:\n%s", model_name, traceback.format_exc())
        return [("crashed", f"internal error in the model: {type(error).__name__}: {error}")] * len(prepared)
