"""benchmarks/training_table.py on run folders: a row per run from its history, record and evaluation."""

import json
import subprocess
import sys
from pathlib import Path

from tests.evaluation.tiny_run import untrained_run

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "training_table.py"


def table(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def test_a_row_per_run(tmp_path):
    full = untrained_run(tmp_path / "shipped", ["a"])
    (full / "history.json").write_text(json.dumps([{"epoch": 1, "train": 0.5, "val": 0.25},
                                                   {"epoch": 2, "train": 0.2, "val": 0.125},
                                                   {"epoch": 3, "train": 0.1, "val": 0.2}]))
    (full / "record.json").write_text(json.dumps({"command": "lipwright train ...", "corpus_hours": 2.5,
                                                  "train_seconds": 5400, "epochs": 3}))
    report = {"checkpoint": str(full / "best"), "lve_squared": 1.5e-5, "lve": 0.0031,
              "lipsync": {"closed": 0.93, "opened": 0.9, "rest": 0.875}}
    (tmp_path / "report.json").write_text(json.dumps(report))
    bare = untrained_run(tmp_path / "bare", [])
    completed = table(str(full), str(bare), "--eval", str(tmp_path / "report.json"))
    assert completed.returncode == 0, completed.stderr
    lines = [line for line in completed.stdout.splitlines() if line.startswith("|")]
    header, rows = cells(lines[0]), [cells(line) for line in lines[2:]]
    assert len(rows) == 2 and all(len(row) == len(header) for row in rows)
    assert dict(zip(header, rows[0])) == {
        "model": "jambatalk (shipped)", "space": "weights", "corpus h": "2.50", "epochs": "3", "time": "90 min",
        "best val loss": "0.125", "LVE²": "1.5e-05", "LVE": "0.0031", "p/b/m closed": "0.93",
        "open vowels opened": "0.90", "rest in pauses": "0.88"}
    assert rows[1][:2] == ["jambatalk (bare)", "weights"] and set(rows[1][2:]) == {"–"}


def test_a_folder_that_is_no_run(tmp_path):
    completed = table(str(tmp_path))
    assert completed.returncode != 0 and "is not a trained run" in completed.stderr
