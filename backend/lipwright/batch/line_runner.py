"""Runs one batch line in this process: the animation `lipwright animate` makes, then each output format.

Never raises for a bad line: the outcome carries the reason, so one line's failure never stops a batch.
"""

from __future__ import annotations

import logging
import tempfile
import time
import traceback
from pathlib import Path

from ..errors import LipwrightError
from .line import BatchLine, LineOutcome

log = logging.getLogger(__name__)


def run_line(line: BatchLine) -> LineOutcome:
    started = time.perf_counter()
    try:
        warnings = _animate_and_write(line)
    except LipwrightError as error:
        return LineOutcome(line.row, "failed", str(error), seconds=time.perf_counter() - started)
    except Exception as error:  # a bug fails its line, not the batch
        log.error("batch row %d failed:\n%s", line.row, traceback.format_exc())
        return LineOutcome(line.row, "failed", f"internal error: {type(error).__name__}: {error}",
                           seconds=time.perf_counter() - started)
    return LineOutcome(line.row, "done", warnings=warnings, seconds=time.perf_counter() - started)


def _animate_and_write(line: BatchLine) -> list[str]:
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lipwright-batch-") as scratch:
        # A .blend character is opened in a child Blender once, for everything the line needs of it.
        exported = (export_blend_character(line, Path(scratch))
                    if _is_blend(line.character) and {"glb", "blend"} & set(line.outputs) else None)
        if set(line.outputs) - {"blend"}:
            warnings += _animate_into_files(line, Path(scratch), exported)
        if "blend" in line.outputs:
            warnings += _bake_into_blend(line, Path(scratch), exported)
    return list(dict.fromkeys(warnings))


def _animate_into_files(line: BatchLine, scratch: Path, exported: dict | None) -> list[str]:
    """The npz, csv, json and glb outputs, from one run of the model at the batch's frame rate."""
    from ..animate import animate_to_file

    # The npz output (when asked for) is the result itself, written whole or not at all; otherwise the
    # result is a weights-only npz in scratch.
    result = line.outputs.get("npz", scratch / "result.npz")
    meta = animate_to_file(line.audio, result, model=line.model, fps=line.fps, transcript=line.transcript,
                           mesh_path=line.character if "npz" in line.outputs else None, seed=line.seed,
                           device=line.device, offsets="npz" in line.outputs, recognition=line.recognition,
                           speaker=line.speaker)
    write_result_outputs(line, Path(result), scratch, exported)
    return list(meta.get("warnings", []))


def write_result_outputs(line: BatchLine, result: Path, scratch: Path, exported: dict | None = None) -> None:
    """The csv, json and glb outputs the line asks for, from its result npz; exported: what
    export_blend_character gave for a .blend character (made here when needed and not given)."""
    from .. import wire

    if set(line.outputs) & {"csv", "json", "glb"}:
        decoded = wire.decode_result(result.read_bytes())
        if "weights" not in decoded:
            raise LipwrightError(f"the model {line.model!r} gave no ARKit weights for csv, json or glb: "
                                 "choose npz, or a model that works in ARKit weights (phonemes)")
        face_file = None
        if "glb" in line.outputs and _is_blend(line.character):
            face_file = _blend_face_file(line, exported or export_blend_character(line, scratch))
        write_weight_outputs(line, decoded["weights"], decoded["weight_names"], decoded["fps"], face_file)


def _is_blend(character: Path | None) -> bool:
    return character is not None and character.suffix.lower() == ".blend"


def export_blend_character(line: BatchLine, scratch: Path) -> dict:
    """One child Blender reads the .blend character: its Basis mesh ("mesh_npz"), its face as glTF with its
    ARKit shape keys when a glb output is asked for ("face_glb", None when it has no such keys), and the
    scene's facts (fps, mode)."""
    from ..blender_bridge.runner import run_in_blender

    mesh_npz, face_glb = scratch / f"face{line.row}.npz", scratch / f"face{line.row}.glb"  # lines may share scratch
    glb = {"out_glb": str(face_glb)} if "glb" in line.outputs else {}
    scene = run_in_blender("headless", "export_object_mesh", blend=str(line.character.resolve()),
                           object_name=line.object_name, out_npz=str(mesh_npz), **glb)
    return {**scene, "mesh_npz": mesh_npz, "face_glb": face_glb if scene["glb"] else None}


def _blend_face_file(line: BatchLine, exported: dict) -> Path:
    """The .blend character's face as a file a glb can be made from: its glTF export with its ARKit shape keys,
    or its Basis mesh when it has none (then it must be the default head's topology)."""
    from ..errors import MeshError
    from .character_face import load_character_face

    face = exported["face_glb"] or exported["mesh_npz"]
    try:
        load_character_face(face)
    except MeshError:
        raise LipwrightError(f"{line.character.name}: '{line.object_name}' has no ARKit shape keys and is not the "
                             "default head's topology, so a glb cannot animate it: prepare it in Blender (Lipwright "
                             "panel, Prepare Character) or give it ARKit shape keys, then run again") from None
    return face


def _bake_into_blend(line: BatchLine, scratch: Path, exported: dict) -> list[str]:
    """The line baked onto the .blend character's object, as `lipwright bake` does it (the add-on's own bake
    in a child Blender), at the scene's frame rate; the output .blend is replaced only when the bake succeeded."""
    from ..animate import animate_to_file
    from ..blender_bridge.runner import run_in_blender
    from ..files.atomic import replaced_on_success

    result_npz = scratch / "blend_result.npz"
    arkit = exported["mode"] == "ARKIT"  # a face with ARKit shape keys is driven by the weights alone
    meta = animate_to_file(line.audio, result_npz, model=line.model, fps=exported["fps"], transcript=line.transcript,
                           mesh_path=None if arkit else exported["mesh_npz"], seed=line.seed, device=line.device,
                           offsets=not arkit, recognition=line.recognition, speaker=line.speaker)
    with replaced_on_success(line.outputs["blend"].resolve()) as partial_blend:
        run_in_blender("headless", "bake_files", blend_in=str(line.character.resolve()), object_name=line.object_name,
                       lines=[{"audio_path": str(line.audio.resolve()), "result_npz": str(result_npz),
                               "strip_name": line.audio.name}],
                       blend_out=str(partial_blend), frame_start=1, gap=12, mode="AUTO")
    return list(meta.get("warnings", []))


def write_weight_outputs(line: BatchLine, weights, weight_names, fps: float, face_file: Path | None = None) -> None:
    """The csv, json and glb outputs of a line's ARKit weights (frames, units); face_file: the mesh file the glb
    animates when it is not the line's character itself (a .blend character's exported face)."""
    from ..files.live_link_csv import write_live_link_csv
    from ..files.weights_json import write_weights_json

    if "csv" in line.outputs:
        write_live_link_csv(line.outputs["csv"], weights, weight_names, fps)
    if "json" in line.outputs:
        write_weights_json(line.outputs["json"], weights, weight_names, fps)
    if "glb" in line.outputs:
        import numpy as np

        from ..files.gltf_morph_animation import write_glb
        from .character_face import load_character_face

        face = load_character_face(face_file or line.character)
        column = {str(name): index for index, name in enumerate(weight_names)}
        # The face's own targets, in its order; a target the model does not drive stays at 0.
        curves = np.stack([weights[:, column[name]] if name in column else np.zeros(len(weights), np.float32)
                           for name in face.target_names], axis=1)
        write_glb(line.outputs["glb"], face.gltf_mesh, curves, fps, name=line.audio.stem)
