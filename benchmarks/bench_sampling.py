"""Real-time factor of a sampling network (GLDiTalker) against its number of sampling steps and of
samples drawn per line, on the CPU and, when torch sees one, on the CUDA GPU: seconds of audio
animated per second of compute, counting every sample (4 samples of a 10 s line are 40 s animated).

The network is built at its default size with random weights (speed depends on size and settings,
not on what was learnt) in ARKit-weights space, or the run given with --run. Warm (one short line
first), best of --repeats. Speech: benchmarks/bench_memory.py's long line.

Run: PYTHONPATH=$PWD/backend .venv/bin/python benchmarks/bench_sampling.py [--seconds 10] [--run RUN]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import soundfile

from bench_memory import long_line
from bench_models import devices, untrained_run
from lipwright.audio.clip import AudioClip

STEPS = (1, 5, 25, 50)
SAMPLES = (1, 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--run", type=Path, help="a gldtalker run folder (default: random weights, default size)")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from lipwright.evaluation.trained_runs import checkpoint_folder
    from lipwright.models.trained_run import TrainedRunModel

    with tempfile.TemporaryDirectory() as folder:
        checkpoint = checkpoint_folder(args.run) if args.run else untrained_run("gldtalker", Path(folder))
        wav, _ = long_line(Path(folder), args.seconds)
        samples, rate = soundfile.read(str(wav), dtype="float32")
        clip = AudioClip(samples[: round(args.seconds * rate)], rate)
        print("| weights | device | steps | samples | audio s | compute s | RTF |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for device in devices():
            model = TrainedRunModel(checkpoint, device)
            model.sample_lines(AudioClip(clip.samples[:rate], rate), None, 1, steps=1)  # warm
            for steps in STEPS:
                for count in SAMPLES:
                    best = float("inf")
                    for _ in range(args.repeats):
                        started = time.perf_counter()
                        model.sample_lines(clip, None, count, seed=0, steps=steps)
                        best = min(best, time.perf_counter() - started)
                    audio = clip.seconds * count
                    weights = "trained" if args.run else "random"
                    print(f"| {weights} | {device} | {steps} | {count} | {audio:.1f} | {best:.3f} | {audio / best:.1f}× |")


if __name__ == "__main__":
    main()
