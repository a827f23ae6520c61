"""Peak memory (max RSS) and wall time of `lipwright animate` from the command line on 1, 10 and 600 s lines.

Each run is its own child process, measured with os.wait4 (its own rusage, not the sum of all children).
Run: PYTHONPATH=$PWD/backend .venv/bin/python benchmarks/bench_memory.py [--seconds 1 10 600] [--aligned 360]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from lipwright.demo.speech import synthesize
from lipwright.jobs.animation_job import TRANSCRIPT_BASE_CHARS

PARAGRAPH = ("Bob made a map of the moon, and Pam brought some fresh waffles with vanilla. "
             "Maybe we should move the boxes before the weather becomes much worse.")


def long_line(folder: Path, seconds: float, max_chars: int | None = None) -> tuple[Path, str]:
    """The paragraph spoken once, repeated with pauses up to `seconds`; returns (wav, its transcript).
    max_chars: pauses long enough that the transcript stays within it (the server's transcript limit)."""
    once = synthesize(PARAGRAPH, folder / "once.wav", rate=150)
    samples, rate = soundfile.read(str(once), dtype="float32")
    pause = 1.0
    if max_chars:
        pause = max(pause, seconds / (max_chars // (len(PARAGRAPH) + 1) - 1) - len(samples) / rate)
    block = np.concatenate([samples, np.zeros(int(pause * rate), np.float32)])
    if max_chars:
        # Whole repeats only, so that the transcript says exactly what is spoken: a paragraph cut off at the
        # end left words the audio lacks, and alignment fell back to recognition.
        repeats = max(1, int(round(seconds * rate / len(block))))
        line = np.tile(block, repeats)
    else:
        repeats = max(1, int(np.ceil(seconds * rate / len(block))))
        line = np.tile(block, repeats)[: max(int(seconds * rate), len(samples) // 4)]
    spoken = int(np.ceil(len(line) / len(block)))
    path = folder / f"line_{seconds:g}s.wav"
    soundfile.write(str(path), line, rate, subtype="PCM_16")
    return path, " ".join([PARAGRAPH] * spoken)


def phone_method(npz: Path) -> str:
    """How the result's phones were found ("aligned", "recognised"), read from its meta alone."""
    with np.load(npz) as result:
        return json.loads(str(result["meta"]))["phone_method"]


def measure(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one child."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        print(child.stderr.read().decode()[-2000:], file=sys.stderr)
    child.stderr.close()
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, nargs="*", default=[1, 10, 600])
    parser.add_argument("--aligned", type=float, nargs="*", default=[360],
                        help="lengths to run aligned to their transcript too (at most 5,000 characters)")
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    print(f"{'line':>8s} {'mode':>10s} {'wall s':>8s} {'peak MB':>8s} {'npz MB':>8s}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        runs = [(s, False) for s in args.seconds] + [(s, True) for s in args.aligned]
        for seconds, aligned in runs:
            wav, transcript = long_line(folder, seconds, TRANSCRIPT_BASE_CHARS if aligned else None)
            out = folder / "out.npz"
            command = [sys.executable, "-m", "lipwright", "animate", str(wav), "-o", str(out), "--fps", str(args.fps)]
            if aligned:
                command += ["--transcript", transcript]
            wall, peak, status = measure(command)
            size = out.stat().st_size / 1e6 if out.exists() and status == 0 else float("nan")
            # What the model did, not what was asked: a transcript that does not fit falls back to recognition.
            mode = phone_method(out) if out.exists() and status == 0 else "-"
            duration = soundfile.info(str(wav)).duration  # an aligned line is whole paragraphs, near `seconds`
            print(f"{duration:7.0f}s {mode:>10s} {wall:8.1f} {peak:8.0f} {size:8.0f}" + ("" if status == 0 else f"  FAILED ({status})"))
            out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
