"""Where batch lines run: behind a small interface, so that a cluster executor can replace local processes.

An executor takes the lines and yields each one's LineOutcome as it finishes, in any order; it never
raises for a failed line. `LocalProcessExecutor` runs `run_line` in N worker processes on this machine.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from .line import BatchLine, LineOutcome
from .line_runner import run_line

CRASHES_PER_LINE = 2  # a line whose worker died this often while running it fails; the batch goes on


class LineExecutor(Protocol):
    def run(self, lines: Sequence[BatchLine]) -> Iterator[LineOutcome]:
        """Runs every line, yielding each outcome as it finishes (any order)."""
        ...


class LocalProcessExecutor:
    """`workers` processes (spawned: never fork a process that may hold threads), each loading its models once.

    Native code (pocketsphinx, torch) may crash a worker: the lines it was running are tried again in a
    fresh pool, and a line that was running at CRASHES_PER_LINE crashes fails with that reason. Only as
    many lines as there are workers are handed out at a time, so a crash can only be blamed on those."""

    def __init__(self, workers: int = 1, models_dir: Path | None = None) -> None:
        if workers < 1:
            raise ValueError("at least one worker")
        self.workers = workers
        self.models_dir = models_dir

    def run(self, lines: Sequence[BatchLine]) -> Iterator[LineOutcome]:
        waiting = list(reversed(lines))
        crashes: dict[int, int] = {}
        while waiting:
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_set_up_worker, initargs=(self.models_dir, self.workers))
            running: dict[Future, BatchLine] = {}
            try:
                while waiting or running:
                    while waiting and len(running) < self.workers:
                        line = waiting.pop()
                        try:
                            running[pool.submit(run_line, line)] = line
                        except BrokenProcessPool:  # broke while handing out: this line never ran
                            waiting.append(line)
                            raise
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        line = running.pop(future)
                        try:
                            yield future.result()
                        except BrokenProcessPool:
                            running[future] = line  # counted with the others below
                            raise
                        except Exception as error:  # the outcome could not come back (run_line catches the rest)
                            yield LineOutcome(line.row, "failed", f"internal error: {type(error).__name__}: {error}")
            except BrokenProcessPool:
                for line in running.values():
                    crashes[line.row] = crashes.get(line.row, 0) + 1
                    if crashes[line.row] >= CRASHES_PER_LINE:
                        yield LineOutcome(line.row, "failed", f"the worker process crashed {crashes[line.row]} times "
                                                              "while running this line (native code in the model "
                                                              "or audio decoder); check the file")
                    else:
                        waiting.append(line)
            finally:
                pool.shutdown(wait=False, cancel_futures=True)


def _set_up_worker(models_dir: Path | None, workers: int) -> None:
    """Runs in each worker before its first line: the trained runs the parent offered become known here too.
    Ctrl-C reaches the whole process group; only the parent acts on it (the pool is shut down, a worker
    finishes writing the line it holds), so workers ignore it rather than die with a traceback each."""
    import os
    import signal

    from ..models.run_folders import chosen_models_dir, register_runs

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Torch (imported later, by the models that need it) would give every worker all the cores.
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))

    register_runs([chosen_models_dir(models_dir)])
