"""Lines per minute of `lipwright batch` on short spoken lines, with 1 and 2 local worker processes.

Each run is a fresh `lipwright batch` process on a fresh output folder (worker start-up included, as a user
sees it), model phonemes aligned to each line's transcript. Also prints the per-line cost (worker seconds)
and the throughput N workers would reach if lines scaled perfectly over N cores or GPUs.

Run: .venv/bin/python benchmarks/bench_batch.py [--lines 200] [--jobs 1 2] [--outputs csv,json,glb] [--ray ADDRESS]
(--ray: also a run on that Ray cluster, e.g. one started with `ray start --head --port 6399`)
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lipwright.demo.speech import synthesize

WORDS = ["Yes, sir.", "Not today.", "Follow me.", "Watch out!", "Over here.", "Keep moving.", "I know.",
         "Give it back.", "Hold the door.", "What now?", "Let's go.", "Be careful."]
VOICES = [("espeak-ng", "en-us"), ("flite", "awb"), ("espeak-ng", "en-gb"), ("flite", "rms")]


def make_manifest(folder: Path, count: int, outputs: str) -> Path:
    rows = []
    for index in range(count):
        text = WORDS[index % len(WORDS)]
        engine, voice = VOICES[index % len(VOICES)]
        audio = synthesize(text, folder / "audio" / f"line{index:04d}.wav", engine=engine, voice=voice)
        rows.append({"audio": str(audio.relative_to(folder)), "transcript": text, "output": f"out/line{index:04d}",
                     "outputs": outputs})
    manifest = folder / "lines.csv"
    with open(manifest, "w", newline="") as stream:
        writer = csv.DictWriter(stream, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--outputs", default="csv,json,glb")
    parser.add_argument("--ray", metavar="ADDRESS", help="also run the batch on this Ray cluster")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        manifest = make_manifest(folder, args.lines, args.outputs)
        print(f"{args.lines} lines, outputs {args.outputs}")
        print("| workers | wall s | lines/min | worker s per line | projected lines/min on N workers |")
        print("|---:|---:|---:|---:|---|")
        runs = [("--jobs", str(jobs)) for jobs in args.jobs] + ([("--ray", args.ray)] if args.ray else [])
        for how in runs:
            for stale in [folder / "out", manifest.with_name("lines.journal.jsonl")]:
                subprocess.run(["rm", "-rf", str(stale)], check=True)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "lipwright", "batch", str(manifest), *how],
                                  capture_output=True, text=True)
            wall = time.perf_counter() - started
            if done.returncode != 0:
                sys.exit(done.stdout + done.stderr)
            entries = [json.loads(text) for text in manifest.with_name("lines.journal.jsonl").read_text().splitlines()]
            per_line = sum(entry["seconds"] for entry in entries) / len(entries)
            projected = ", ".join(f"{n}: {60 * n / per_line:.0f}" for n in (1, 4, 8, 16))
            print(f"| {' '.join(how).lstrip('-')} | {wall:.1f} | {60 * args.lines / wall:.0f} | {per_line:.3f} | {projected} |")


if __name__ == "__main__":
    main()
