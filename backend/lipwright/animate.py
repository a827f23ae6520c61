"""Animate a sound file in this process: the same job the server runs, for the command line."""

from pathlib import Path

from . import wire
from .errors import AudioError
from .models.base import Progress, no_progress


def animate_file(
    audio_path: Path,
    model: str = "phonemes",
    fps: float = 30.0,
    transcript: str | None = None,
    mesh_path: Path | None = None,
    seed: int | None = None,
    device: str = "auto",
    offsets: bool = True,
    recognition: str | None = None,
    progress: Progress = no_progress,
) -> bytes:
    """Returns the result npz bytes (see wire.encode_result); offsets=False: weights only.

    device: "auto" leaves the choice to the model, so numpy-only models never import torch."""
    from .jobs.animation_job import run_animation_job

    audio_path = Path(audio_path)
    if not audio_path.is_file():
        raise AudioError(f"no audio file at {audio_path}: check the path")
    options = {"model": model, "fps": fps, "transcript": transcript, "seed": seed, "recognition": recognition}
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
        return run_animation_job(request, progress, device)
    except AudioError as error:
        # The job only sees bytes; name the file the user gave.
        raise AudioError(f"{audio_path.name}: {error}") from None
