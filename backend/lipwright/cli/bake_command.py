"""`lipwright bake AUDIO... --blend IN.blend --object NAME -o OUT.blend`: the add-on's bake, without the UI.

Many lines bake in one batch: the model loads once, Blender opens the file once, each line gets its
own sound strip, action and NLA track, and the .blend is written only when every line succeeded.
"""

import argparse
import sys
import tempfile
from pathlib import Path

from ..errors import LipwrightError
from .recognition_option import add_recognition_argument
from .trained_model_options import add_trained_model_arguments, register_trained_runs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", type=Path, nargs="+", help="dialogue lines (wav, flac, ogg, mp3, m4a, ...); one strip each")
    parser.add_argument("--blend", type=Path, required=True, help="the .blend holding the character")
    parser.add_argument("--object", required=True, help="name of the face mesh object")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .blend to write (may equal --blend)")
    parser.add_argument("--transcript", help="what is said (one audio file only); aligning to it is much more accurate")
    parser.add_argument("--transcript-file", type=Path,
                        help="what is said (one audio file only), from a text file or SRT/VTT subtitles")
    parser.add_argument("--transcripts", type=Path,
                        help="a text file of 'FILENAME<TAB>transcript' lines; a LINE.txt, LINE.srt or LINE.vtt "
                             "beside LINE.wav works too")
    add_trained_model_arguments(parser)
    parser.add_argument("--strip", help="sound strip name for a single line (default: the audio file's name)")
    parser.add_argument("--frame", type=int, default=1, help="first frame of the first new sound strip")
    parser.add_argument("--gap", type=int, default=12, help="frames between new strips of a batch")
    parser.add_argument("--mode", choices=("AUTO", "ARKIT", "BASIS"), default="AUTO")
    parser.add_argument("--seed", type=int)
    add_recognition_argument(parser)


def read_transcripts(audio: list[Path], transcript: str | None, table: Path | None,
                     transcript_file: Path | None = None) -> dict[Path, str | None]:
    """Each line's transcript: --transcript(-file), else the table's row for its file name, else LINE.txt,
    LINE.srt or LINE.vtt beside it."""
    from .transcript_file import read_transcript_file

    if transcript_file is not None:
        if transcript is not None:
            raise LipwrightError("give --transcript or --transcript-file, not both")
        if len(audio) > 1:
            raise LipwrightError("--transcript-file is for one audio file; for a batch put LINE.srt (or .txt) "
                                 "beside each LINE.wav")
        transcript = read_transcript_file(transcript_file)
    if transcript is not None and len(audio) > 1:
        raise LipwrightError("--transcript is for one audio file; for a batch use --transcripts FILE or LINE.txt files")
    rows: dict[str, str] = {}
    if table is not None:
        if not table.is_file():
            raise LipwrightError(f"no transcripts file at {table}: check the path")
        for number, row in enumerate(table.read_text(encoding="utf-8").splitlines(), 1):
            if not row.strip() or row.startswith("#"):
                continue
            name, separator, text = row.partition("\t")
            if not separator:
                raise LipwrightError(f"{table.name} line {number} has no tab: write 'FILENAME<TAB>transcript'")
            rows[name.strip()] = text.strip()
    found = {}
    for path in audio:
        text = transcript if transcript is not None else rows.get(path.name)
        sidecars = [path.with_suffix(suffix) for suffix in (".txt", ".srt", ".vtt")]
        sidecar = next((candidate for candidate in sidecars if candidate.is_file() and candidate.stat().st_size), None)
        if text is None and sidecar is not None:
            text = read_transcript_file(sidecar).strip()
        found[path] = text or None
    return found


def run(args: argparse.Namespace) -> int:
    from ..animate import animate_to_file
    from ..blender_bridge.runner import run_in_blender
    from ..files.atomic import replaced_on_success
    from ..files.output_path import check_output_path
    from .progress_bar import terminal_progress

    register_trained_runs(args)
    for path, what in [(a, "audio file") for a in args.audio] + [(args.blend, ".blend file")]:
        if not Path(path).is_file():
            raise LipwrightError(f"no {what} at {path}: check the path")
    if args.strip and len(args.audio) > 1:
        raise LipwrightError("--strip names a single line's strip; a batch names each strip after its file")
    names = [path.name for path in args.audio]
    if len(set(names)) != len(names):
        raise LipwrightError("two audio files share a name; strips are named after files, so rename one")
    transcripts = read_transcripts(args.audio, args.transcript, args.transcripts, args.transcript_file)
    # -o may be the --blend itself (it is replaced whole, only once every line baked), never an input.
    inputs = [*args.audio, *(path for path in (args.transcripts, args.transcript_file) if path is not None)]
    check_output_path(args.output, inputs=inputs, what="output .blend")
    with tempfile.TemporaryDirectory() as scratch, terminal_progress("baking") as progress:
        mesh_npz = Path(scratch) / "mesh.npz"
        progress(0.01, "reading the character")
        scene = run_in_blender("headless", "export_object_mesh", blend=str(args.blend.resolve()),
                               object_name=args.object, out_npz=str(mesh_npz))
        # A face with ARKit shape keys is driven by the weights alone, whatever its topology.
        arkit = args.mode == "ARKIT" or (args.mode == "AUTO" and scene["mode"] == "ARKIT")
        lines, failures = [], []
        for index, audio in enumerate(args.audio):
            share = 0.05 + 0.8 * index / len(args.audio)

            def line_progress(fraction: float, message: str, share=share, audio=audio) -> None:
                progress(share + 0.8 * fraction / len(args.audio), f"{audio.name}: {message}")

            result_npz = Path(scratch) / f"result_{index:05d}.npz"
            try:
                meta = animate_to_file(audio, result_npz, model=args.model, fps=scene["fps"],
                                       transcript=transcripts[audio], mesh_path=None if arkit else mesh_npz,
                                       seed=args.seed, offsets=not arkit, speaker=args.speaker,
                                       recognition=args.recognition, progress=line_progress)
            except LipwrightError as error:  # report every bad line at once, then write nothing
                failures.append(f"{audio}: {error}")
                continue
            for warning in meta.get("warnings", []):
                print(f"lipwright: warning: {audio.name}: {warning}", file=sys.stderr)
            lines.append({"audio_path": str(audio.resolve()), "result_npz": str(result_npz),
                          "strip_name": args.strip or audio.name})
        if failures:
            raise LipwrightError(f"{len(failures)} of {len(args.audio)} lines failed; nothing was written:\n  "
                                 + "\n  ".join(failures))
        progress(0.88, f"baking {len(lines)} line(s) in Blender")
        # Blender saves beside the output and the file replaces it only if the whole bake succeeded: a
        # failure or a killed Blender leaves the user's .blend (even when it is the output) as it was.
        with replaced_on_success(args.output.resolve()) as partial_blend:
            reports = run_in_blender(
                "headless", "bake_files", blend_in=str(args.blend.resolve()), object_name=args.object, lines=lines,
                blend_out=str(partial_blend), frame_start=args.frame, gap=args.gap, mode=args.mode,
            )
        progress(1.0, "done")
    for report in reports:
        print(f"  {report['strip_name']}: {report['mode']} keys, frames {report['frame_start']}-{report['frame_end']}")
    print(f"wrote {args.output}")
    return 0
