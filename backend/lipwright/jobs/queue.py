"""A first-in first-out job queue with one worker thread, progress, cooperative cancel and results on disk.

One worker, because models and the GPU are not shared between jobs: a second job waits its turn.
A job is any callable `work(context) -> bytes | Path`; `context(fraction, message)` records how far it got
and raises JobCancelled once the user cancelled, so the work stops at its next report. Work that waits on
something else (a worker process) watches `context.cancel_requested` instead, and may write its result
straight to `context.result_path` (returning that path) so a large result never passes through memory.
Finished results live as files in a private temporary folder, expire, and go with the queue's `close`.

A job may instead be GroupableWork: when the worker takes it, the waiting jobs of the same group (up to
`max_group` in all) start with it and run in one call, each still with its own progress, cancel and result.
"""

import functools
import itertools
import logging
import secrets
import shutil
import tempfile
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

from ..errors import JobCancelled, LipwrightError
from ..models.base import Progress

log = logging.getLogger(__name__)

MAX_GROUP = 8  # jobs that run together at most (bounds the memory of one batched pass)


class JobContext:
    """What a running job is handed: call it as its Progress; it also carries the cancel flag and the
    file its result goes to."""

    def __init__(self, report: Progress, cancel_requested: threading.Event, result_path: Path) -> None:
        self._report = report
        self.cancel_requested = cancel_requested
        self.result_path = result_path

    def __call__(self, fraction: float, message: str) -> None:
        if self.cancel_requested.is_set():
            raise JobCancelled("cancelled by the user")
        self._report(fraction, message)


Work = Callable[[JobContext], "bytes | Path"]


@dataclass(frozen=True)
class GroupableWork:
    """Work that runs together with the other waiting work of its `group` (jobs for one model sharing one
    batched forward pass): `run_together(items, contexts)` gets every job's item and context, in order of
    submission, and returns each job's result (bytes or its result file) or the exception that failed it."""

    group: str
    item: object
    run_together: Callable[[list, list[JobContext]], list]


class JobState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class QueueFull(LipwrightError):
    """More jobs are waiting than the queue accepts; try again when one has finished."""


class UnknownJob(LipwrightError):
    """No job has this id (it never existed, or it finished long enough ago to be forgotten)."""


class JobNotDone(LipwrightError):
    """The job has no result (yet): it is still queued or running, or it failed or was cancelled."""

    def __init__(self, status: "JobStatus") -> None:
        if status.state is JobState.FAILED:
            text = f"job {status.id} failed: {status.error}"
        elif status.state is JobState.CANCELLED:
            text = f"job {status.id} was cancelled; it has no result"
        else:
            text = f"job {status.id} is {status.state.value} ({status.progress:.0%}); its result is not ready yet"
        super().__init__(text)
        self.status = status


@dataclass(frozen=True)
class JobStatus:
    """A consistent snapshot of one job, safe to hand to another thread."""

    id: str
    label: str
    state: JobState
    progress: float
    message: str
    error: str | None
    position: int | None  # jobs ahead of this one while queued, else None
    created_at: float
    started_at: float | None
    finished_at: float | None


@dataclass
class _Job:
    id: str
    label: str
    work: "Work | GroupableWork | None"
    created_at: float
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    message: str = "waiting in the queue"
    error: str | None = None
    result: Path | None = None
    result_size: int = 0
    started_at: float | None = None
    finished_at: float | None = None
    finished_monotonic: float | None = None
    cancel_requested: threading.Event = field(default_factory=threading.Event)


class JobQueue:
    """Thread-safe; `submit` from any thread, one worker runs the jobs in order of submission.

    Finished jobs (and their result files) are kept for the most recent `keep_finished` jobs, at most
    `keep_seconds`, and while their results add up to at most `keep_result_bytes` on disk (the newest
    finished job is always kept), so a long-running server does not grow without bound.
    """

    def __init__(self, max_waiting: int = 16, keep_finished: int = 64, keep_seconds: float = 3600.0,
                 keep_result_bytes: int = 2 * 1024**3, max_group: int = MAX_GROUP) -> None:
        # mkdtemp makes the folder readable by this user only: results are the user's work.
        self.result_folder = Path(tempfile.mkdtemp(prefix="lipwright-results-"))
        self.max_waiting = max_waiting
        self.keep_finished = keep_finished
        self.keep_seconds = keep_seconds
        self.keep_result_bytes = keep_result_bytes
        self.max_group = max_group
        self._result_bytes = 0
        self._jobs: dict[str, _Job] = {}
        self._waiting: deque[str] = deque()
        self._finished_order: deque[str] = deque()
        self._changed = threading.Condition()
        self._closing = False
        self._sequence = itertools.count(1)
        self._worker = threading.Thread(target=self._run_worker, name="lipwright-job-worker", daemon=True)
        self._worker.start()

    # --- public API -------------------------------------------------------------------------

    def submit(self, work: "Work | GroupableWork", label: str = "") -> JobStatus:
        with self._changed:
            if self._closing:
                raise QueueFull("the server is shutting down and accepts no new jobs")
            if len(self._waiting) >= self.max_waiting:
                raise QueueFull(
                    f"{len(self._waiting)} jobs are already waiting (the limit is {self.max_waiting}); "
                    "wait for one to finish or cancel one, then submit again"
                )
            job_id = f"{next(self._sequence)}-{secrets.token_hex(4)}"
            job = _Job(id=job_id, label=label, work=work, created_at=time.time())
            self._jobs[job_id] = job
            self._waiting.append(job_id)
            self._changed.notify_all()
            return self._snapshot(job)

    def status(self, job_id: str) -> JobStatus:
        with self._changed:
            return self._snapshot(self._find(job_id))

    def result(self, job_id: str) -> Path:
        """The file holding the job's result; raises JobNotDone unless the job is done. The file may
        expire once the lock is released: open it at once (an open file outlives its removal)."""
        with self._changed:
            job = self._find(job_id)
            if job.state is not JobState.DONE:
                raise JobNotDone(self._snapshot(job))
            return job.result

    def cancel(self, job_id: str) -> JobStatus:
        """A queued job is dropped at once; a running one stops at its next progress report.
        Cancelling a finished job changes nothing."""
        with self._changed:
            job = self._find(job_id)
            if job.state is JobState.QUEUED:
                self._waiting.remove(job_id)
                self._finish(job, JobState.CANCELLED, "cancelled before it started")
            elif job.state is JobState.RUNNING:
                job.cancel_requested.set()
                job.message = "cancelling…"
            return self._snapshot(job)

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus:
        """Block until the job has finished (or the timeout passed); returns its status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while True:
                job = self._find(job_id)
                remaining = None if deadline is None else deadline - time.monotonic()
                if job.state.finished or (remaining is not None and remaining <= 0):
                    return self._snapshot(job)
                self._changed.wait(remaining)

    def counts(self) -> dict[str, int]:
        with self._changed:
            counts = {state.value: 0 for state in JobState}
            for job in self._jobs.values():
                counts[job.state.value] += 1
            return counts

    def close(self, timeout: float = 5.0) -> None:
        """Cancel everything, stop the worker (waiting at most `timeout` for the running job) and delete
        every result."""
        with self._changed:
            self._closing = True
            while self._waiting:
                self._finish(self._jobs[self._waiting.popleft()], JobState.CANCELLED, "the server shut down")
            for job in self._jobs.values():
                if job.state is JobState.RUNNING:
                    job.cancel_requested.set()
            self._changed.notify_all()
        self._worker.join(timeout)
        shutil.rmtree(self.result_folder, ignore_errors=True)

    # --- the worker ---------------------------------------------------------------------------

    def _run_worker(self) -> None:
        while True:
            with self._changed:
                while not self._waiting and not self._closing:
                    self._changed.wait()
                if self._closing:
                    return
                jobs = self._take_next()
                works = []
                for job in jobs:
                    job.state = JobState.RUNNING
                    job.started_at = time.time()
                    job.message = "starting"
                    works.append(job.work)
                    job.work = None  # the closure may hold large request data
                self._changed.notify_all()
            if isinstance(works[0], GroupableWork):
                self._run_group(jobs, works)
            else:
                self._run_one(jobs[0], works[0])
            del works

    def _take_next(self) -> list[_Job]:
        """The first waiting job, with the waiting jobs of its group when it has one (lock held)."""
        first = self._jobs[self._waiting.popleft()]
        if not isinstance(first.work, GroupableWork):
            return [first]
        group = [first]
        for job_id in list(self._waiting):
            if len(group) >= self.max_group:
                break
            work = self._jobs[job_id].work
            if isinstance(work, GroupableWork) and work.group == first.work.group:
                self._waiting.remove(job_id)
                group.append(self._jobs[job_id])
        return group

    def _context(self, job: _Job) -> JobContext:
        def report(fraction: float, message: str) -> None:
            with self._changed:
                job.progress = min(1.0, max(job.progress, float(fraction)))
                job.message = str(message)
                self._changed.notify_all()

        return JobContext(report, job.cancel_requested, self.result_folder / f"{job.id}.npz")

    def _run_one(self, job: _Job, work: Work) -> None:
        context = self._context(job)
        self._settle(job, context, lambda: work(context))

    def _run_group(self, jobs: list[_Job], works: list[GroupableWork]) -> None:
        contexts = [self._context(job) for job in jobs]
        try:
            results = works[0].run_together([work.item for work in works], contexts)
            if len(results) != len(jobs):
                raise TypeError(f"a group of {len(jobs)} jobs returned {len(results)} results")
        except Exception as error:  # the whole group failed alike (its worker died, all were cancelled...)
            results = [error] * len(jobs)
        for job, context, result in zip(jobs, contexts, results):
            self._settle(job, context, functools.partial(_returned, result))

    def _settle(self, job: _Job, context: JobContext, produce: Callable[[], "bytes | Path"]) -> None:
        """Run `produce` (the job's work, or what its group returned for it) and record the outcome."""
        result_path = context.result_path
        try:
            result = produce()
            if isinstance(result, (bytes, bytearray)):
                result_path.write_bytes(result)
            elif result != result_path or not result_path.is_file():
                raise TypeError(f"the job returned {type(result).__name__}, not bytes nor its result file")
        except JobCancelled:
            outcome, value = JobState.CANCELLED, "cancelled"
        except LipwrightError as error:
            outcome, value = JobState.FAILED, str(error)
        except Exception as error:  # a bug in a model must fail its job, never the worker
            log.error("job %s crashed:\n%s", job.id, traceback.format_exc())
            outcome, value = JobState.FAILED, f"internal error in the model: {type(error).__name__}: {error}"
        else:
            # A cancel that came after the last progress report still wins: the user asked for it.
            outcome = JobState.CANCELLED if job.cancel_requested.is_set() else JobState.DONE
            value = None
        if outcome is not JobState.DONE:
            result_path.unlink(missing_ok=True)
        with self._changed:
            if outcome is JobState.DONE:
                job.result = result_path
                job.result_size = result_path.stat().st_size
                self._result_bytes += job.result_size
                job.progress = 1.0
                self._finish(job, outcome, "done")
            elif outcome is JobState.CANCELLED:
                self._finish(job, outcome, "cancelled")
            else:
                job.error = value
                self._finish(job, outcome, "failed")

    # --- helpers (call with the lock held) --------------------------------------------------------

    def _find(self, job_id: str) -> _Job:
        self._forget_old()
        job = self._jobs.get(job_id)
        if job is None:
            raise UnknownJob(f"no job with id {job_id!r} (finished jobs are forgotten after a while)")
        return job

    def _finish(self, job: _Job, state: JobState, message: str) -> None:
        job.state = state
        job.message = message
        job.finished_at = time.time()
        job.finished_monotonic = time.monotonic()
        job.work = None
        self._finished_order.append(job.id)
        self._forget_old()
        self._changed.notify_all()

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self._finished_order:
            oldest = self._jobs[self._finished_order[0]]
            too_many = len(self._finished_order) > self.keep_finished
            too_old = now - oldest.finished_monotonic > self.keep_seconds
            too_big = self._result_bytes > self.keep_result_bytes and len(self._finished_order) > 1
            if not (too_many or too_old or too_big):
                break
            self._finished_order.popleft()
            del self._jobs[oldest.id]
            if oldest.result is not None:
                self._result_bytes -= oldest.result_size
                oldest.result.unlink(missing_ok=True)

    def _snapshot(self, job: _Job) -> JobStatus:
        position = None
        if job.state is JobState.QUEUED:
            position = self._waiting.index(job.id)
        return JobStatus(
            id=job.id, label=job.label, state=job.state, progress=job.progress, message=job.message,
            error=job.error, position=position, created_at=job.created_at,
            started_at=job.started_at, finished_at=job.finished_at,
        )


def _returned(result):
    """What a group returned for one job, as that job's own work would: the result, or its error raised."""
    if isinstance(result, BaseException):
        raise result
    return result
