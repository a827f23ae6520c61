"""How the shipped `jambatalk-synthetic` model is made, end to end, with the project's own commands:
speak a synthetic corpus, train JambaTalk in ARKit-weights space on it, measure it on the corpus's
test split, and copy the best checkpoint with a record of how it was made into
backend/lipwright/shipped_models/. Every step resumes where it stopped.

Run: .venv/bin/python scripts/train_shipped_model.py --work /data/lipwright-train [--hours 3] [--ship]

The corpus uses only trainable voices (espeak-ng variants, flite awb/rms, festival ked): CMU kal and
slt are kept out of training and tuning, for the held-out lip-sync comparison (bench_lipsync.py).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "backend" / "lipwright" / "shipped_models" / "jambatalk-synthetic"
NETWORK_SETTINGS = ("hidden=128", "layers=4", "expand=1", "state=8", "lookahead=5")
ENCODER_SETTINGS = ("warp=0.1",)


def lipwright(*args: str) -> list[str]:
    return [sys.executable, "-m", "lipwright", *args]


def train_command(corpus: Path, run: Path, epochs: int) -> list[str]:
    command = lipwright("train", "--model", "jambatalk", "--data", str(corpus), "--out", str(run),
                        "--space", "weights", "--batch-size", "16", "--learning-rate", "1e-3",
                        "--epochs", str(epochs), "--patience", "6", "--piece-seconds", "6")
    for setting in NETWORK_SETTINGS:
        command += ["--set", setting]
    for setting in ENCODER_SETTINGS:
        command += ["--encoder-set", setting]
    return command


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the corpus and the run")
    parser.add_argument("--hours", type=float, default=3.0, help="hours of synthetic speech")
    parser.add_argument("--epochs", type=int, default=40, help="at most this many (early stopping ends sooner)")
    parser.add_argument("--workers", type=int, default=2, help="processes speaking the corpus")
    parser.add_argument("--ship", action="store_true", help="copy the best checkpoint into the package")
    args = parser.parse_args()
    corpus, run = args.work / "corpus", args.work / "run"
    subprocess.run(lipwright("data", "synth", str(corpus), "--hours", str(args.hours),
                             "--workers", str(args.workers)), check=True)
    started = time.time()
    subprocess.run(train_command(corpus, run, args.epochs), check=True)
    train_seconds = time.time() - started
    subprocess.run(lipwright("eval", "--run", str(run), "--data", str(corpus), "-o", str(run / "eval.json"),
                             "--plots", str(run / "plots")), check=True)
    record = {
        "command": " ".join(train_command(corpus, run, args.epochs)[2:]),
        "corpus_hours": args.hours,
        "corpus_clips": len(list((corpus / "wav").glob("*.wav"))),
        "train_seconds": train_seconds,  # of this invocation; a resumed run adds its earlier sessions
        "epochs": len(json.loads((run / "history.json").read_text())),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "eval": json.loads((run / "eval.json").read_text()),
    }
    (run / "record.json").write_text(json.dumps(record, indent=1))
    if args.ship:
        ship(run, record)
    return 0


def ship(run: Path, record: dict) -> None:
    SHIPPED.mkdir(parents=True, exist_ok=True)
    for name in ("model.safetensors", "config.json"):
        shutil.copyfile(run / "best" / name, SHIPPED / name)
    shipped_record = {key: value for key, value in record.items() if key != "eval"}
    shipped_record["eval"] = {key: record["eval"].get(key) for key in
                              ("split", "sequences", "lve", "lve_squared", "fdd", "mean_vertex_error", "lipsync")}
    (SHIPPED / "record.json").write_text(json.dumps(shipped_record, indent=1))
    print(f"shipped {SHIPPED}")


if __name__ == "__main__":
    raise SystemExit(main())
