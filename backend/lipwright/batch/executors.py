"""Where batch lines run: behind a small interface, so that a cluster executor can replace local processes.

An executor takes the lines and yields each one's LineOutcome as it finishes, in any order; it never
raises for a failed line. `LocalProcessExecutor` runs the lines (alone, or grouped for one trained network)
in N worker processes on this machine; `ray_executor.RayExecutor` as tasks on a Ray cluster.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from .line import BatchLine, LineOutcome
from .line_group import line_groups, run_lines_together

CRASHES_PER_LINE = 2  # a line whose worker died this often while running it fails; the batch goes on


class LineExecutor(Protocol):
    def run(self, lines: Sequence[BatchLine]) -> Iterator[LineOutcome]:
        """Runs every line, yielding each outcome as it finishes (any order)."""
        ...


class LocalProcessExecutor:
    """`workers` processes (spawned: never fork a process that may hold threads), each loading its models once.
    Lines for one trained network go to a worker together and share one forward pass (batch/line_group.py).

    Native code (pocketsphinx, torch) may crash a worker: the lines it was running are tried again in a
    fresh pool, each alone from then on, and a line that was running at CRASHES_PER_LINE crashes fails with
    that reason. Only as many groups as there are workers are handed out at a time, so a crash can only be
    blamed on those."""

    def __init__(self, workers: int = 1, models_dir: Path | None = None) -> None:
        if workers < 1:
            raise ValueError("at least one worker")
        self.workers = workers
        self.models_dir = models_dir

    def run(self, lines: Sequence[BatchLine]) -> Iterator[LineOutcome]:
        waiting = list(reversed(line_groups(lines)))
        crashes: dict[int, int] = {}
        while waiting:
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_set_up_worker, initargs=(self.models_dir, self.workers))
            running: dict[Future, list[BatchLine]] = {}
            try:
                while waiting or running:
                    while waiting and len(running) < self.workers:
                        group = waiting.pop()
                        try:
                            running[pool.submit(run_lines_together, group)] = group
                        except BrokenProcessPool:  # broke while handing out: this group never ran
                            waiting.append(group)
                            raise
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        group = running.pop(future)
                        try:
                            outcomes = future.result()
                        except BrokenProcessPool:
                            running[future] = group  # counted with the others below
                            raise
                        except Exception as error:  # the outcomes could not come back (the runner catches the rest)
                            outcomes = [LineOutcome(line.row, "failed", f"internal error: {type(error).__name__}: "
                                                                        f"{error}") for line in group]
                        yield from outcomes
            except BrokenProcessPool:
                for line in (line for group in running.values() for line in group):
                    crashes[line.row] = crashes.get(line.row, 0) + 1
                    if crashes[line.row] >= CRASHES_PER_LINE:
                        yield LineOutcome(line.row, "failed", f"the worker process crashed {crashes[line.row]} times "
                                                              "while running this line (native code in the model "
                                                              "or audio decoder); check the file")
                    else:
                        waiting.append([line])
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
