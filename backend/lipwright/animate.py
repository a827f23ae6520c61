"""Animate a sound file in this process: the same job the server runs, for the command line."""

import io
import os
from pathlib import Path
from typing import BinaryIO

from . import wire
from .errors import AudioError
from .models.base import Progress, no_progress


def animate_to_file(
    audio_path: Path,
    out: BinaryIO | str | os.PathLike,
    model: str = "phonemes",
    fps: float = 30.0,
    transcript: str | None = None,
    mesh_path: Path | None = None,
    seed: int | None = None,
    device: str = "auto",
    offsets: bool = True,
    recognition: str | None = None,
    speaker: str | None = None,
    progress: Progress = no_progress,
) -> dict:
    """Writes the result npz (see wire.write_result) to `out`, a path (replaced whole, only on success) or a
    binary stream, offsets streamed so a long line never sits in memory; returns the result's meta.
    offsets=False: weights only; speaker: a trained model's speaker (None: the average style).

    device: "auto" leaves the choice to the model, so numpy-only models never import torch."""
    from .jobs.animation_job import animate_prepared_to

    prepared = prepare_file_animation(audio_path, model, fps, transcript, mesh_path, seed, offsets, recognition,
                                      speaker)
    return animate_prepared_to(prepared, progress, device, out)


def prepare_file_animation(audio_path: Path, model: str = "phonemes", fps: float = 30.0, transcript: str | None = None,
                           mesh_path: Path | None = None, seed: int | None = None, offsets: bool = True,
                           recognition: str | None = None, speaker: str | None = None):
    """A sound file (and mesh file) checked and decoded into the job the server would run (a PreparedAnimation);
    errors name the file."""
    from .jobs.animation_job import prepare_animation

    audio_path = Path(audio_path)
    if not audio_path.is_file():
        raise AudioError(f"no audio file at {audio_path}: check the path")
    options = {"model": model, "fps": fps, "transcript": transcript, "seed": seed, "recognition": recognition,
               "speaker": speaker}
    options = {name: value for name, value in options.items() if value is not None}
    if not offsets:
        options["offsets"] = False
    mesh = {}
    if mesh_path is not None:
        from .geometry.mesh_file import read_mesh_file

        vertices, faces_flat, face_sizes = read_mesh_file(Path(mesh_path))
        mesh = {"vertices": vertices, "faces_flat": faces_flat, "face_sizes": face_sizes}
    request = wire.encode_request(audio_path.read_bytes(), options, **mesh)
    try:
        prepared = prepare_animation(request, max_request_bytes=max(wire.DEFAULT_MAX_REQUEST_BYTES, 2 * len(request)))
    except AudioError as error:
        # The job only sees bytes; name the file the user gave.
        raise AudioError(f"{audio_path.name}: {error}") from None
    return prepared


def animate_file(audio_path: Path, **options) -> bytes:
    """The result npz as bytes (for short lines; see animate_to_file for the options)."""
    buffer = io.BytesIO()
    animate_to_file(audio_path, buffer, **options)
    return buffer.getvalue()
