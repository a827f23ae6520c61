"""`lipwright demo -o out/demo`: the README's main job on the embedded default."""

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, default=Path("out/demo"), help="folder for line.wav, line.npz, demo.blend, demo.png")
    parser.add_argument("--text", help="the line to speak")
    parser.add_argument("--engine", choices=("espeak-ng", "flite"), default="espeak-ng")
    parser.add_argument("--fps", type=float, default=30.0)


def run(args: argparse.Namespace) -> int:
    from ..demo.run import DEFAULT_LINE, run_demo
    from .progress_bar import terminal_progress

    with terminal_progress("demo") as progress:
        summary = run_demo(args.output, text=args.text or DEFAULT_LINE, engine=args.engine, fps=args.fps, progress=progress)
    print(f"animated {summary['audio_seconds']:.2f} s of speech in {summary['compute_seconds']:.2f} s")
    for key in ("wav", "npz", "blend", "picture"):
        print(f"  {key:8s} {summary[key]}")
    return 0
