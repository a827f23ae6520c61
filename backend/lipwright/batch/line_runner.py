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
    from .. import wire
    from ..animate import animate_to_file

    with tempfile.TemporaryDirectory(prefix="lipwright-batch-") as scratch:
        # The npz output (when asked for) is the result itself, written whole or not at all; otherwise the
        # result is a weights-only npz in scratch.
        result = line.outputs.get("npz", Path(scratch) / "result.npz")
        mesh = line.character if "npz" in line.outputs else None
        meta = animate_to_file(line.audio, result, model=line.model, fps=line.fps, transcript=line.transcript,
                               mesh_path=mesh, seed=line.seed, device=line.device, offsets="npz" in line.outputs,
                               recognition=line.recognition, speaker=line.speaker)
        if set(line.outputs) - {"npz"}:
            decoded = wire.decode_result(Path(result).read_bytes())
            if "weights" not in decoded:
                raise LipwrightError(f"the model {line.model!r} gave no ARKit weights for csv, json or glb: "
                                     "choose npz, or a model that works in ARKit weights (phonemes)")
            write_weight_outputs(line, decoded["weights"], decoded["weight_names"], decoded["fps"])
    return list(meta.get("warnings", []))


def write_weight_outputs(line: BatchLine, weights, weight_names, fps: float) -> None:
    """The csv, json and glb outputs of a line's ARKit weights (frames, units)."""
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

        face = load_character_face(line.character)
        column = {str(name): index for index, name in enumerate(weight_names)}
        # The face's own targets, in its order; a target the model does not drive stays at 0.
        curves = np.stack([weights[:, column[name]] if name in column else np.zeros(len(weights), np.float32)
                           for name in face.target_names], axis=1)
        write_glb(line.outputs["glb"], face.vertices, face.triangles, face.targets, face.target_names, curves, fps,
                  name=line.audio.stem)
