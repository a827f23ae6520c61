"""Real-time factor of the models that sample (gldtalker, landmarks) against the number of sampling
steps and of samples drawn for one line, on the CPU and, when torch sees one, on the CUDA GPU.

Each network at its default size with random weights (speed does not depend on training), served as
the server runs it (TrainedRunModel: 8 s windows, all windows of all samples in shared batches),
warm, best of --repeats. RTF = seconds of audio animated per second of compute, counting every
sample: 4 samples of a 10 s line are 40 s of animation.
Speech: espeak-ng's paragraph (bench_memory.long_line), or --speech DIR with line_<s>s.wav files.

Run: PYTHONPATH=$PWD/backend .venv/bin/python benchmarks/bench_sampling.py [--seconds 10] [--device all]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import soundfile

from bench_memory import long_line
from bench_models import describe_machine, devices, untrained_run
from lipwright.audio.clip import AudioClip

SAMPLING_NETWORKS = ("gldtalker", "landmarks")


def best_seconds(model, clip: AudioClip, samples: int, steps: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        model.sample_lines(clip, None, samples, seed=1, steps=steps)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    from lipwright.models.trained_run import TrainedRunModel

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 5, 25, 50])
    parser.add_argument("--samples", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--speech", type=Path, help="a folder of line_<s>s.wav files to read instead of speaking")
    parser.add_argument("--device", choices=["all", "cpu", "cuda"], default="all")
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        wav = args.speech / f"line_{args.seconds:g}s.wav" if args.speech else long_line(folder, args.seconds)[0]
        samples, rate = soundfile.read(str(wav), dtype="float32")
        clip = AudioClip(samples, rate)
        print()
        print("| model | device | steps | samples | audio s (all samples) | compute s | RTF |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for network in SAMPLING_NETWORKS:
            run = untrained_run(network, folder)
            for device in devices(args.device):
                model = TrainedRunModel(run, device, name=network)
                model.sample_lines(AudioClip(samples[: rate * 2], rate), None, 1, steps=1)  # warm
                cases = [(steps, 1) for steps in args.steps]
                cases += [(None, count) for count in args.samples if count != 1]
                for steps, count in cases:
                    used = steps or model.config.settings["sampling_steps"]
                    seconds = best_seconds(model, clip, count, used, args.repeats)
                    audio = clip.seconds * count
                    print(f"| {network} | {device} | {used} | {count} | {audio:.1f} | {seconds:.3f} "
                          f"| {audio / seconds:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
