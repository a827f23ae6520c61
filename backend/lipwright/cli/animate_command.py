"""`lipwright animate AUDIO -o OUT.npz`: the output contract, without a server."""

import argparse
import sys
from pathlib import Path

from .recognition_option import add_recognition_argument
from .trained_model_options import add_trained_model_arguments, register_trained_runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", type=Path, help="speech to animate (wav, flac, ogg, mp3, m4a, mp4, mov, webm)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the npz to write")
    parser.add_argument("--transcript", help="what is said; aligning to it is much more accurate")
    parser.add_argument("--transcript-file", type=Path,
                        help="what is said, from a text file or SRT/VTT subtitles (whose cue times guide alignment)")
    parser.add_argument("--fps", type=float, default=30.0, help="frames per second (e.g. 23.976, 29.97)")
    parser.add_argument("--mesh", type=Path, help="a mesh with the model's topology (.obj or .npz); default: the model's head")
    add_trained_model_arguments(parser)
    add_recognition_argument(parser)
    parser.add_argument("--seed", type=int, help="seed for models with random output")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="auto (default: cuda when present, for models that use torch), cpu or cuda")


def run(args: argparse.Namespace) -> int:
    from ..animate import animate_to_file
    from ..files.output_path import check_output_path
    from .progress_bar import terminal_progress

    register_trained_runs(args)

    # Before the work: a bad output path should not cost a 10-minute computation.
    inputs = [p for p in (args.audio, args.mesh, args.transcript_file) if p is not None]
    check_output_path(args.output, inputs=inputs)
    if args.transcript_file is not None:
        from ..errors import TranscriptError
        from .transcript_file import read_transcript_file

        if args.transcript is not None:
            raise TranscriptError("give --transcript or --transcript-file, not both")
        args.transcript = read_transcript_file(args.transcript_file)

    with terminal_progress(f"animating {args.audio.name}") as progress:
        meta = animate_to_file(
            args.audio, args.output, model=args.model, fps=args.fps, transcript=args.transcript,
            mesh_path=args.mesh, seed=args.seed, recognition=args.recognition, speaker=args.speaker, device=args.device,
            progress=progress,
        )
    for warning in meta.get("warnings", []):
        print(f"lipwright: warning: {warning}", file=sys.stderr)
    print(f"wrote {args.output}")
    return 0
