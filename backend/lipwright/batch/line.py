"""One manifest line as the runner gets it, what became of it, and the content hash that says it is unchanged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

# Formats a line can be written as, each a file: the weight curves (Live Link Face CSV, JSON), the
# animated face as glTF binary, the result npz of `lipwright animate`, and a .blend character with the
# line baked in (as `lipwright bake` does).
OUTPUT_FORMATS = ("csv", "json", "glb", "npz", "blend")
WEIGHT_FORMATS = ("csv", "json", "glb")  # made from ARKit weights: the model must work in weights space
_HASH_SCHEME = 1  # bump when what the hash covers changes, so old journals redo their lines


@dataclass(frozen=True)
class BatchLine:
    """row: the manifest's row number (from 1); outputs: format -> file; character: None for the default
    head, else an .obj/.npz/.glb mesh or a .blend (with object_name); content_hash: see line_hash."""

    row: int
    audio: Path
    outputs: dict[str, Path]
    model: str = "phonemes"
    transcript: str | None = None
    speaker: str | None = None
    character: Path | None = None
    object_name: str | None = None
    fps: float = 30.0
    seed: int | None = None
    recognition: str | None = None
    device: str = "auto"
    model_identity: str = ""  # the model's name, or a digest of a trained run's files (see model_identity)
    content_hash: str = ""


@dataclass(frozen=True)
class LineOutcome:
    """status: "done", "skipped" (unchanged since the journal recorded it) or "failed" (message says why)."""

    row: int
    status: str
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def line_hash(line: BatchLine) -> str:
    """A hash of everything the line's result depends on: the audio's bytes, the transcript's text, the model
    and its options, the character's bytes (and object), and where the outputs go."""
    content = {
        "scheme": _HASH_SCHEME,
        "audio": file_digest(line.audio),
        "transcript": line.transcript,
        "model": line.model_identity or line.model,
        "options": {"speaker": line.speaker, "fps": line.fps, "seed": line.seed, "recognition": line.recognition},
        "character": None if line.character is None else file_digest(line.character),
        "object": line.object_name,
        "outputs": {name: str(path.resolve()) for name, path in sorted(line.outputs.items())},
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()
