"""Models run in worker processes, one per model, so that the server never waits on them.

pocketsphinx holds the GIL for as long as it recognises, and native code (pocketsphinx, torch, CUDA) can
crash the process it runs in. So each model lives in a child process started with 'spawn' (never fork:
the server has threads): the server keeps answering while it works, a cancel that the model does not
honour within a short grace ends the process, and a crash costs the one job it was running. The child
writes the result file itself, so a large result never crosses the pipe; only progress and the outcome do.

Messages parent -> child: ("job", PreparedAnimation, result path), ("cancel",), ("stop",).
Messages child -> parent: ("progress", fraction, message), ("done",), ("cancelled",),
("failed", message for the user), ("crashed", message for the user).
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
from .animation_job import PreparedAnimation, animate_prepared_to
from .queue import JobContext

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

    def worker_for(self, model_name: str) -> "ModelWorker":
        with self._lock:
            worker = self._workers.get(model_name)
            if worker is None:
                worker = self._workers[model_name] = ModelWorker(model_name, self.device, self.cancel_grace, self.setup)
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
                 setup: Callable[[], None] | None = None) -> None:
        self.model_name = model_name
        self.device = device
        self.cancel_grace = cancel_grace
        self.setup = setup
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def run(self, prepared: PreparedAnimation, context: JobContext) -> Path:
        """Run one job in the child; returns the result file, raises JobCancelled or a LipwrightError."""
        self._start_if_needed()
        try:
            self._connection.send(("job", prepared, str(context.result_path)))
        except (BrokenPipeError, ConnectionError, EOFError):
            self._forget_process()  # it died between jobs: start it again once
            self._start_if_needed()
            self._connection.send(("job", prepared, str(context.result_path)))
        del prepared  # the child has its own copy now
        cancel_sent_at = None
        while True:
            ready = wait([self._connection, self._process.sentinel], timeout=POLL_SECONDS)
            if self._connection in ready:
                try:
                    message = self._connection.recv()
                except (EOFError, ConnectionError):
                    raise self._died() from None
                outcome = self._handle(message, context)
                if outcome is not None:
                    return outcome
            elif ready:  # only the sentinel: the process ended without a word
                raise self._died()
            if context.cancel_requested.is_set():
                if cancel_sent_at is None:
                    cancel_sent_at = time.monotonic()
                    self._send_quietly(("cancel",))
                elif time.monotonic() - cancel_sent_at > self.cancel_grace:
                    # Busy in native code that reports nothing: end the process, the next job starts another.
                    log.warning("the %s worker did not stop within %.1f s of a cancel; ending it",
                                self.model_name, self.cancel_grace)
                    self.stop(graceful=False)
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

    def _handle(self, message: tuple, context: JobContext) -> Path | None:
        kind = message[0]
        if kind == "progress":
            try:
                context(message[1], message[2])
            except JobCancelled:
                pass  # the cancel flag is seen and sent on by the loop
            return None
        if kind == "done":
            return context.result_path
        if kind == "cancelled":
            raise JobCancelled("cancelled by the user")
        if kind in ("failed", "crashed"):
            raise LipwrightError(message[1])
        raise LipwrightError(f"the {self.model_name} worker sent an unknown message {kind!r}; this is a bug")

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
            target=serve_model, args=(self.model_name, self.device, child_end, self.setup),
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


def serve_model(model_name: str, device: str, connection: Connection, setup: Callable[[], None] | None) -> None:
    """The worker process's main loop: one job at a time until "stop" or the parent goes away."""
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
        if message[0] != "job":
            continue  # a cancel for a job that has already ended
        _, prepared, result_path = message
        try:
            reply = _run_job(prepared, Path(result_path), connection, device)
        except (BrokenPipeError, ConnectionError, EOFError):
            return
        try:
            connection.send(reply)
        except (BrokenPipeError, ConnectionError):
            return


def _run_job(prepared: PreparedAnimation, result_path: Path, connection: Connection, device: str) -> tuple:
    def progress(fraction: float, message: str) -> None:
        connection.send(("progress", float(fraction), str(message)))
        while connection.poll():
            if connection.recv()[0] in ("cancel", "stop"):
                raise JobCancelled("cancelled by the user")

    model_name = prepared.options.model
    try:
        # Streamed into a file beside the result and renamed onto it: offsets are computed a block at a
        # time while they are written, so neither they nor the npz are ever whole in this process.
        animate_prepared_to(prepared, progress, device, result_path)
        return ("done",)
    except JobCancelled:
        return ("cancelled",)
    except LipwrightError as error:
        return ("failed", str(error))
    except (BrokenPipeError, ConnectionError, EOFError):
        raise
    except Exception as error:  # a bug in a model fails its job; the worker goes on
        log.error("a job crashed in the %s worker:\n%s", model_name, traceback.format_exc())
        return ("crashed", f"internal error in the model: {type(error).__name__}: {error}")
