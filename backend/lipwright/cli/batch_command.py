"""`lipwright batch MANIFEST`: every line of a manifest, N at a time, resumable, for game engines.

The whole manifest is checked before any work; each line is animated as `lipwright animate` does and written
as Live Link Face CSV, JSON weight curves, a glb with morph-target animation and/or the result npz. A journal
beside the manifest lets a re-run skip lines whose inputs and outputs are unchanged.
"""

import argparse
import sys
from pathlib import Path

from .recognition_option import add_recognition_argument
from .trained_model_options import add_trained_model_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifest", type=Path,
                        help="CSV (with a header) or JSON rows: audio, output, and optionally transcript (text or "
                             ".txt/.srt/.vtt), character (.obj/.npz/.glb, or .blend with object), model, speaker, "
                             "outputs (e.g. csv,json,glb); paths relative to the manifest")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="lines run at the same time (worker processes)")
    parser.add_argument("--journal", type=Path,
                        help="the resume journal (default: MANIFEST's name + .journal.jsonl, beside it)")
    parser.add_argument("--outputs", default="csv,json,glb",
                        help="formats for rows whose output has no format suffix and no outputs column "
                             "(from csv, json, glb, npz, blend; default csv,json,glb; a .blend character: csv,json,blend)")
    parser.add_argument("--fps", type=float, default=30.0, help="frames per second of every line")
    add_trained_model_arguments(parser)  # --model/--speaker: for rows that leave them empty
    add_recognition_argument(parser)
    parser.add_argument("--seed", type=int, help="seed for models with random output")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--ray", metavar="ADDRESS",
                        help="run the lines as tasks on a Ray cluster (HOST:PORT of its head, or 'auto' on one of "
                             "its nodes) instead of --jobs local workers; needs lipwright[cluster] on every node")


def run(args: argparse.Namespace) -> int:
    from ..batch.executors import LocalProcessExecutor
    from ..batch.journal import Journal, journal_path_for
    from ..batch.manifest import BatchDefaults, ManifestError, output_formats, read_manifest
    from ..batch.run import run_batch
    from .progress_bar import terminal_progress
    from .trained_model_options import register_trained_runs

    if args.jobs < 1:
        raise ManifestError("--jobs must be 1 or more")
    register_trained_runs(args)
    try:
        formats = tuple(output_formats(args.outputs))
    except ValueError as error:
        raise ManifestError(f"--outputs: {error}") from None
    defaults = BatchDefaults(model=args.model, speaker=args.speaker, formats=formats, fps=args.fps, seed=args.seed,
                             recognition=args.recognition, device=args.device, models_dir=args.models_dir)
    lines = read_manifest(args.manifest, defaults)
    journal = Journal(args.journal or journal_path_for(args.manifest))
    if args.ray:
        from ..batch.ray_executor import RayExecutor

        executor = RayExecutor(args.ray, models_dir=args.models_dir)
    else:
        executor = LocalProcessExecutor(args.jobs, models_dir=args.models_dir)
    try:
        with terminal_progress(f"batch of {len(lines)}") as progress:
            outcomes = run_batch(lines, executor, journal, progress)
    except KeyboardInterrupt:
        print(f"lipwright: the lines finished so far are recorded in {journal.path}; run the same command again "
              "to go on from there", file=sys.stderr)
        raise
    print(summary_table(outcomes, {line.row: line.audio for line in lines}))
    return 1 if any(outcome.status == "failed" for outcome in outcomes) else 0


def summary_table(outcomes, audio_of: dict) -> str:
    """Counts, then a row per failed line with its reason, and the warnings of the lines that were done."""
    counts = {status: sum(outcome.status == status for outcome in outcomes) for status in ("done", "skipped", "failed")}
    out = [f"done: {counts['done']}   skipped as unchanged: {counts['skipped']}   failed: {counts['failed']}"]
    failed = [outcome for outcome in outcomes if outcome.status == "failed"]
    if failed:
        out.append("failed lines:")
        out += [f"  row {outcome.row:>4}  {_named(outcome.message, audio_of[outcome.row])}" for outcome in failed]
    warned = [outcome for outcome in outcomes if outcome.warnings]
    for outcome in warned:
        for warning in outcome.warnings:
            out.append(f"  warning: row {outcome.row}  {_named(warning, audio_of[outcome.row])}")
    return "\n".join(out)


def _named(message: str, audio: Path) -> str:
    """The message led by the line's file name, unless it already names it."""
    name = Path(audio).name
    return message if message.startswith(name) else f"{name}: {message}"
