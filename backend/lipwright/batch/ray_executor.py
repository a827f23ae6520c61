"""Batch lines as Ray tasks on a cluster (`lipwright batch --ray ADDRESS`).

The nodes need Lipwright installed (the same version), not a file system shared with this machine: each
task gets its lines' audio and character files as bytes and sends its outputs back as bytes, and this
machine writes them (atomically) and keeps the journal, so resuming works exactly as with local workers.
Lines for one batched model (a trained network) travel as one task of up to MAX_GROUP lines and share
one forward pass; a task asks Ray for a GPU when its lines run on cuda.
"""

from __future__ import annotations

import dataclasses
import socket
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import LipwrightError
from ..files.atomic import atomic_writer
from .line import BatchLine, LineOutcome
from .line_group import line_groups


class RayExecutor:
    """address: a running cluster's address ("HOST:PORT" of its head, or "auto" on one of its nodes)."""

    def __init__(self, address: str, models_dir: Path | None = None, group_size: int | None = None) -> None:
        self.address = address
        self.models_dir = models_dir
        self.group_size = group_size

    def run(self, lines: Sequence[BatchLine]) -> Iterator[LineOutcome]:
        ray = _import_ray()
        _connect(ray, self.address)
        try:
            yield from self._run(ray, lines)
        finally:
            ray.shutdown()  # disconnects this driver; the cluster goes on

    def _run(self, ray, lines: Sequence[BatchLine]) -> Iterator[LineOutcome]:
        runs = ray.put(_trained_run_files({line.model for line in lines}, self.models_dir))
        task = ray.remote(max_retries=1)(run_shipped_lines)
        groups = line_groups(lines) if self.group_size is None else line_groups(lines, self.group_size)
        pending = {}
        for group in groups:
            gpus = 1 if any(line.device == "cuda" for line in group) else 0
            try:
                shipped = [ship_line(line) for line in group]
            except OSError as error:
                for line in group:
                    yield LineOutcome(line.row, "failed", f"could not read the line's files: {error}")
                continue
            pending[task.options(num_gpus=gpus).remote(shipped, runs)] = group
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1)
            group = pending.pop(finished[0])
            try:
                returned = ray.get(finished[0])
            except Exception as error:  # the task or its node died (after Ray's retry)
                for line in group:
                    yield LineOutcome(line.row, "failed", f"the Ray task running this line failed: {error}")
                continue
            for line, (outcome, files) in zip(group, returned):
                yield write_returned(line, outcome, files)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise LipwrightError("--ray needs Ray on this machine and on every node of the cluster: "
                             "pip install 'lipwright[cluster]' (or pip install ray)") from None
    return ray


def _connect(ray, address: str) -> None:
    _check_reachable(address)
    try:
        ray.init(address=address, logging_level="WARNING", log_to_driver=False)
    except Exception as error:  # Ray raises ConnectionError, RuntimeError or its own types
        raise LipwrightError(f"could not reach a Ray cluster at {address!r} ({error}); start one with "
                             "`ray start --head` and give its address (HOST:PORT), or 'auto' on one of its nodes") from None


def _check_reachable(address: str) -> None:
    """A HOST:PORT with nothing listening fails here at once (Ray itself waits minutes for it)."""
    host, separator, port = address.rpartition(":")
    if not separator or "://" in address or not port.isdigit():
        return  # "auto", "ray://...": Ray finds or checks them itself
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as error:
        raise LipwrightError(f"could not reach a Ray cluster at {address!r} ({error.strerror or error}); start one "
                             "with `ray start --head` and give its address (HOST:PORT), or 'auto' on one of its "
                             "nodes") from None


# -- what travels: a line with its input files as bytes, and its output files back as bytes --

@dataclasses.dataclass(frozen=True)
class ShippedLine:
    line: BatchLine
    audio: bytes
    character: bytes | None


def ship_line(line: BatchLine) -> ShippedLine:
    character = line.character.read_bytes() if line.character is not None else None
    return ShippedLine(line, line.audio.read_bytes(), character)


def run_shipped_lines(shipped: list[ShippedLine], runs: dict[str, dict[str, bytes]]) -> list[tuple[LineOutcome, dict]]:
    """The Ray task: the lines' files written into a scratch folder of this node, the lines run there (several
    of one batched model in one pass), and each line's outcome with its output files' bytes."""
    from ..models.run_folders import register_runs
    from .line_group import run_lines_together

    with tempfile.TemporaryDirectory(prefix="lipwright-ray-") as scratch:
        register_runs([_materialised_runs(runs, Path(scratch) / "runs")])
        local = [_localised(item, Path(scratch) / f"row{item.line.row}") for item in shipped]
        outcomes = run_lines_together(local)
        return [(outcome, _read_outputs(line) if outcome.status == "done" else {})
                for line, outcome in zip(local, outcomes)]


def _localised(item: ShippedLine, folder: Path) -> BatchLine:
    folder.mkdir(parents=True)
    line = item.line
    audio = folder / ("audio" + line.audio.suffix)
    audio.write_bytes(item.audio)
    character = None
    if item.character is not None:
        character = folder / ("character" + line.character.suffix)
        character.write_bytes(item.character)
    outputs = {name: folder / f"out.{name}" for name in line.outputs}
    return dataclasses.replace(line, audio=audio, character=character, outputs=outputs)


def _read_outputs(line: BatchLine) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in line.outputs.items()}


def write_returned(line: BatchLine, outcome: LineOutcome, files: dict[str, bytes]) -> LineOutcome:
    """A finished line's outputs written where the manifest says, each whole or not at all."""
    if outcome.status != "done":
        return outcome
    try:
        for name, path in line.outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_writer(path) as stream:
                stream.write(files[name])
    except (OSError, KeyError) as error:
        return LineOutcome(line.row, "failed", f"could not write the line's outputs here: {error}")
    return outcome


# -- trained runs travel too: a node has the shipped ones, not the user's own --

def _trained_run_files(models: set[str], models_dir: Path | None) -> dict[str, dict[str, bytes]]:
    """run name -> file name -> bytes, for the lines' models found in the user's models folder."""
    from ..models.run_folders import chosen_models_dir, usable_run

    folder = chosen_models_dir(models_dir)
    runs = [run for run in (usable_run(name, folder) for name in sorted(models)) if run is not None]
    return {run.name: {path.name: path.read_bytes() for path in run.files} for run in runs}


def _materialised_runs(runs: dict[str, dict[str, bytes]], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, files in runs.items():
        (folder / name).mkdir()
        for part, data in files.items():
            (folder / name / part).write_bytes(data)
    return folder
