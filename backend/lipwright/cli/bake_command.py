"""`lipwright bake AUDIO --blend IN.blend --object NAME -o OUT.blend`: the add-on's bake, without the UI."""

import argparse
import tempfile
from pathlib import Path

from ..errors import LipwrightError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", type=Path, help="the dialogue line (wav, flac, ogg, mp3)")
    parser.add_argument("--blend", type=Path, required=True, help="the .blend holding the character")
    parser.add_argument("--object", required=True, help="name of the face mesh object")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .blend to write (may equal --blend)")
    parser.add_argument("--transcript", help="what is said; aligning to it is much more accurate")
    parser.add_argument("--model", default="phonemes")
    parser.add_argument("--strip", help="sound strip name (default: the audio file's name); added at --frame if missing")
    parser.add_argument("--frame", type=int, default=1, help="first frame of a newly added sound strip")
    parser.add_argument("--mode", choices=("AUTO", "ARKIT", "BASIS"), default="AUTO")
    parser.add_argument("--seed", type=int)


def run(args: argparse.Namespace) -> int:
    from ..animate import animate_file
    from ..blender_bridge.runner import run_in_blender
    from .progress_bar import terminal_progress

    for path, what in ((args.audio, "audio file"), (args.blend, ".blend file")):
        if not Path(path).is_file():
            raise LipwrightError(f"no {what} at {path}: check the path")
    strip = args.strip or args.audio.name
    with tempfile.TemporaryDirectory() as scratch, terminal_progress(f"baking {args.audio.name}") as progress:
        mesh_npz = Path(scratch) / "mesh.npz"
        progress(0.02, "reading the character")
        scene = run_in_blender("headless", "export_object_mesh", blend=str(args.blend.resolve()),
                               object_name=args.object, out_npz=str(mesh_npz))

        def model_progress(fraction: float, message: str) -> None:
            progress(0.1 + 0.75 * fraction, message)

        # A face with ARKit shape keys is driven by the weights alone, whatever its topology.
        arkit = args.mode == "ARKIT" or (args.mode == "AUTO" and scene["mode"] == "ARKIT")
        result = animate_file(args.audio, model=args.model, fps=scene["fps"], transcript=args.transcript,
                              mesh_path=None if arkit else mesh_npz, seed=args.seed, offsets=not arkit,
                              progress=model_progress)
        result_npz = Path(scratch) / "result.npz"
        result_npz.write_bytes(result)
        progress(0.88, "baking keyframes")
        report = run_in_blender(
            "headless", "bake_file", blend_in=str(args.blend.resolve()), object_name=args.object,
            audio_path=str(args.audio.resolve()), result_npz=str(result_npz),
            blend_out=str(args.output.resolve()), strip_name=strip, frame_start=args.frame, mode=args.mode,
        )
        progress(1.0, "done")
    print(f"wrote {args.output}: {report}")
    return 0
