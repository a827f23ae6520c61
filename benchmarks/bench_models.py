"""Real-time factor (seconds of audio animated per second of compute) of each model on 10 s and 60 s
lines, on the CPU and, when torch sees one, on the CUDA GPU.

Models: `phonemes` without a transcript (numpy; the CPU only), each trained run given with --run, and
for every network no run was given for, the network at its default size with random weights: a
network's speed depends on its size and settings, not on what it learnt. Each model answers as the
server calls it (`animate` with weights only, no per-vertex offsets), warm (loaded, one short line
run first), best of --repeats. Speech: espeak-ng's en-us reading a paragraph, repeated with pauses
up to the length (benchmarks/bench_memory.py's long line).

Run: PYTHONPATH=$PWD/backend .venv/bin/python benchmarks/bench_models.py [--seconds 10 60] [--run RUN ...]
On a machine without espeak-ng or pocketsphinx (a lent GPU machine): --speech DIR reads DIR/line_<s>s.wav
(made here by bench_memory.long_line) and --no-phonemes leaves the rules model out.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import soundfile

from bench_memory import long_line
from lipwright.audio.clip import AudioClip
from lipwright.models.base import AnimationRequest

FPS = 30.0


@dataclass
class Entry:
    name: str  # as printed
    weights: str  # "trained (RUN)", "random", "none (rules)"
    model: object  # has animate(request)
    device: str
    recognition: str = "fast"


def untrained_run(network: str, folder: Path) -> Path:
    """A run folder holding `network` at its default settings with random weights, in weights space."""
    from lipwright.encoders.build import log_mel_spec
    from lipwright.models.networks import build_network
    from lipwright.training.checkpoint import RunConfig, save_checkpoint

    config = RunConfig(network, "weights", FPS, "default-head", [], log_mel_spec(), {})
    built = build_network(config)
    built.config = replace(config, settings=built.settings_dict())
    return save_checkpoint(folder / network, built.state_dict(), built.config)


def devices(asked: str = "all") -> list[str]:
    import torch

    found = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    return found if asked == "all" else [device for device in found if device == asked]


def entries(runs: list[Path], folder: Path, phonemes: bool = True, device: str = "all") -> list[Entry]:
    from lipwright.evaluation.trained_runs import checkpoint_folder
    from lipwright.models.networks import NETWORKS
    from lipwright.models.trained_run import TrainedRunModel

    listed = []
    if phonemes:
        from lipwright.models.phonemes import PhonemeModel

        rules = PhonemeModel()
        listed = [Entry("phonemes, no transcript (fast)", "none (rules)", rules, "cpu"),
                  Entry("phonemes, no transcript (accurate)", "none (rules)", rules, "cpu", "accurate")]
    trained = {run: checkpoint_folder(run) for run in runs}
    named = {TrainedRunModel(checkpoint).config.model for checkpoint in trained.values()}
    untrained = {}
    for network in NETWORKS:
        if network in named:
            continue
        try:
            untrained[network] = untrained_run(network, folder)
        except Exception as error:  # a network another change is still writing: say so, measure the rest
            print(f"({network}: cannot be built here: {error})")
    for device in devices(device):
        for run, checkpoint in trained.items():
            model = TrainedRunModel(checkpoint, device)
            listed.append(Entry(f"{model.config.model} ({run.name})", f"trained ({run})", model, device))
        for network, checkpoint in untrained.items():
            model = TrainedRunModel(checkpoint, device, name=network)
            listed.append(Entry(f"{network} (default size)", "random", model, device))
    return listed


def best_seconds(entry: Entry, clip: AudioClip, repeats: int) -> float:
    request = AnimationRequest(clip=clip, fps=FPS, offsets=False, recognition=entry.recognition)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        entry.model.animate(request)
        best = min(best, time.perf_counter() - started)
    return best


def table_row(entry: Entry, audio_seconds: float, compute_seconds: float) -> str:
    return (f"| {entry.name} | {entry.weights} | {entry.device} | {audio_seconds:.1f} | {compute_seconds:.3f} "
            f"| {audio_seconds / compute_seconds:.1f}× |")


def describe_machine() -> str:
    import torch

    parts = [f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads",
             f"torch {torch.__version__}"]
    if torch.cuda.is_available():
        parts.append(f"CUDA device: {torch.cuda.get_device_name(0)}")
    else:
        parts.append("no CUDA device")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, nargs="+", default=[10, 60])
    parser.add_argument("--run", type=Path, action="append", default=[],
                        help="a trained run folder (or checkpoint folder); repeat for several")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--speech", type=Path, help="a folder of line_<s>s.wav files to read instead of speaking")
    parser.add_argument("--no-phonemes", action="store_true", help="leave out the rules model (needs pocketsphinx)")
    parser.add_argument("--device", choices=["all", "cpu", "cuda"], default="all", help="where the networks run")
    args = parser.parse_args()
    print(describe_machine())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        models = entries(args.run, folder, not args.no_phonemes, args.device)
        lines = {}
        for seconds in [2.0, *args.seconds]:
            wav = args.speech / f"line_{seconds:g}s.wav" if args.speech else long_line(folder, seconds)[0]
            samples, rate = soundfile.read(str(wav), dtype="float32")
            lines[seconds] = AudioClip(samples, rate)
        if any(entry.weights == "random" for entry in models):
            print("Networks with random weights are as fast as trained ones of the same size: speed does not "
                  "depend on training.")
        print()
        print("| model | weights | device | audio s | compute s | RTF |")
        print("|---|---|---|---:|---:|---:|")
        for entry in models:
            best_seconds(entry, lines[2.0], 1)  # warm: decoders, kernels, caches
            for seconds in args.seconds:
                clip = lines[seconds]
                print(table_row(entry, clip.seconds, best_seconds(entry, clip, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
