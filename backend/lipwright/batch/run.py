"""A batch from start to end: skip what the journal says is done, run the rest, record each line as it finishes."""

from __future__ import annotations

from collections.abc import Sequence

from ..models.base import Progress, no_progress
from .executors import LineExecutor
from .journal import Journal
from .line import BatchLine, LineOutcome


def run_batch(lines: Sequence[BatchLine], executor: LineExecutor, journal: Journal,
              progress: Progress = no_progress) -> list[LineOutcome]:
    """Each line's outcome, in row order: done, skipped (unchanged, outputs in place) or failed."""
    outcomes = [LineOutcome(line.row, "skipped") for line in lines if journal.is_done(line)]
    to_run = {line.row: line for line in lines if not journal.is_done(line)}
    failed = 0

    def report() -> None:
        progress(len(outcomes) / max(1, len(lines)),
                 f"{len(outcomes)}/{len(lines)} lines" + (f", {failed} failed" if failed else ""))

    report()
    for outcome in executor.run(list(to_run.values())):
        if outcome.status == "done":
            journal.record(to_run[outcome.row], outcome.seconds)
        else:
            failed += 1
        outcomes.append(outcome)
        report()
    return sorted(outcomes, key=lambda outcome: outcome.row)
