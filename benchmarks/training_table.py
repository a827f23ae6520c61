"""The training table of benchmarks/RESULTS.md from run folders: model, motion space, corpus hours,
epochs, training time, best validation loss, and the evaluation's LVE and lip-sync rates.

Each RUN (made by `lipwright train`) gives history.json and best/config.json; RUN/record.json, when
there, says how the run was made ({"command", "corpus_hours", "train_seconds", "epochs", ...}); the
evaluation is `lipwright eval -o` output found at RUN/eval.json, at record.json's "eval" (a path
relative to RUN, or the report itself), or given with --eval (matched to its run by its checkpoint).
What a run lacks shows as a dash.

Run: PYTHONPATH=$PWD/backend .venv/bin/python benchmarks/training_table.py RUN [RUN ...] [--eval REPORT ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lipwright.errors import LipwrightError
from lipwright.evaluation.trained_runs import checkpoint_folder, run_file, run_history, run_name

HEADER = ("| model | space | corpus h | epochs | time | best val loss | LVE² | LVE | p/b/m closed "
          "| open vowels opened | rest in pauses |")
DASH = "–"


def read_json(path: Path | None) -> dict | list | None:
    return json.loads(path.read_text()) if path is not None and path.is_file() else None


def eval_report(run: Path, record: dict, reports: list[dict]) -> dict | None:
    """The run's evaluation: from --eval (by checkpoint), record.json's "eval", or RUN/eval.json."""
    for report in reports:
        checkpoint = Path(report.get("checkpoint", "")).resolve()
        if run.resolve() in (checkpoint, checkpoint.parent):
            return report
    named = record.get("eval")
    if isinstance(named, dict):
        return named
    if isinstance(named, str):
        return read_json(Path(named) if Path(named).is_absolute() else run_file(run, named))
    return read_json(run_file(run, "eval.json"))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{int(minutes // 60)} h {minutes % 60:02.0f} min"


def number(value: float | None, form: str) -> str:
    return DASH if value is None else format(value, form)


def training_row(run: Path, reports: list[dict] = ()) -> str:
    config = json.loads((checkpoint_folder(run) / "config.json").read_text())
    history = run_history(run)
    record = read_json(run_file(run, "record.json")) or {}
    report = eval_report(run, record, list(reports)) or {}
    lipsync = report.get("lipsync") or {}
    epochs = len(history) if history else record.get("epochs")
    best_val = min((epoch["val"] for epoch in history), default=None)
    cells = [f"{config['model']} ({run_name(run)})", config["motion_space"],
             number(record.get("corpus_hours"), ".2f"), DASH if epochs is None else str(epochs),
             duration(record.get("train_seconds")), number(best_val, ".4g"),
             number(report.get("lve_squared"), ".3g"), number(report.get("lve"), ".3g"),
             number(lipsync.get("closed"), ".2f"), number(lipsync.get("opened"), ".2f"),
             number(lipsync.get("rest"), ".2f")]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=Path, nargs="+", help="run folders made by lipwright train")
    parser.add_argument("--eval", type=Path, action="append", default=[], help="a report of lipwright eval -o")
    args = parser.parse_args()
    reports = [json.loads(path.read_text()) for path in args.eval]
    print(HEADER)
    print("|" + "---|" * HEADER.count(" | ") + "---|")
    for run in args.runs:
        try:
            print(training_row(run, reports))
        except LipwrightError as error:
            raise SystemExit(f"training_table: {error}") from error
    print(f"\nLVE² is the field's squared lip vertex error and LVE the plain one (in the corpus's units: m² and m "
          "on the default head); rates are pooled over the evaluation split's events.")


if __name__ == "__main__":
    main()
