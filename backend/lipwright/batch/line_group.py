"""Several lines for one batched model (a trained network) through one forward pass, as the server's queue
does for jobs that wait together (jobs/animation_job.animate_together_to); every other line runs alone.

Never raises for a bad line: each line gets its own outcome, so one refusal fails only that line."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import LipwrightError
from ..jobs.queue import MAX_GROUP
from ..models.base import no_progress
from .line import BatchLine, LineOutcome
from .line_runner import run_line, write_result_outputs


def line_groups(lines: Sequence[BatchLine], group_size: int = MAX_GROUP) -> list[list[BatchLine]]:
    """Lines that may share a forward pass (the same batched model on the same device, no .blend output, which
    bakes in a child Blender of its own) in groups of at most group_size, in manifest order; the rest alone."""
    from ..models import registry

    groups: list[list[BatchLine]] = []
    open_groups: dict[tuple, list[BatchLine]] = {}
    for line in lines:
        known = line.model in registry.model_names()
        if "blend" in line.outputs or not known or not registry.model_info(line.model).batched:
            groups.append([line])
            continue
        key = (line.model, line.device)
        group = open_groups.get(key)
        if group is None or len(group) >= group_size:
            group = open_groups[key] = []
            groups.append(group)
        group.append(line)
    return groups


def run_lines_together(lines: Sequence[BatchLine]) -> list[LineOutcome]:
    """Each line's outcome, in the order given."""
    if len(lines) == 1:
        return [run_line(lines[0])]
    from ..animate import prepare_file_animation
    from ..jobs.animation_job import animate_together_to

    started = time.perf_counter()
    outcomes: dict[int, LineOutcome] = {}
    with tempfile.TemporaryDirectory(prefix="lipwright-batch-") as scratch:
        ready, prepared, results = [], [], []
        for line in lines:
            try:
                prepared.append(prepare_file_animation(
                    line.audio, model=line.model, fps=line.fps, transcript=line.transcript,
                    mesh_path=line.character if "npz" in line.outputs else None, seed=line.seed,
                    offsets="npz" in line.outputs, recognition=line.recognition, speaker=line.speaker))
            except LipwrightError as error:
                outcomes[line.row] = LineOutcome(line.row, "failed", str(error))
                continue
            ready.append(line)
            results.append(line.outputs.get("npz", Path(scratch) / f"row{line.row}.npz"))
        try:
            errors = animate_together_to(prepared, no_progress, ready[0].device, results) if ready else []
        except LipwrightError as error:  # the model itself could not load: every line of the group says why
            errors = [error] * len(ready)
        seconds = (time.perf_counter() - started) / max(1, len(ready))
        for line, result, error in zip(ready, results, errors):
            if error is None:
                try:
                    write_result_outputs(line, Path(result), Path(scratch))
                except LipwrightError as write_error:
                    error = write_error
            outcomes[line.row] = (LineOutcome(line.row, "done", seconds=seconds) if error is None
                                  else LineOutcome(line.row, "failed", str(error), seconds=seconds))
    return [outcomes[line.row] for line in lines]
