"""Reads a batch manifest (CSV or JSON rows) and checks every row before any work starts.

Columns: audio (required), transcript (text, or a .txt/.srt/.vtt file), character (.obj/.npz/.glb mesh
or a .blend with `object`; empty: the default head), model, speaker, output (a file; its suffix picks the
format) and outputs (formats, e.g. "csv,json,glb", written beside `output`). Paths are relative to the
manifest's folder. Every problem of every row is reported at once, each with its row and column.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import LipwrightError
from .line import OUTPUT_FORMATS, WEIGHT_FORMATS, BatchLine, line_hash

TRANSCRIPT_FILE_SUFFIXES = (".txt", ".srt", ".vtt")
CHARACTER_SUFFIXES = (".obj", ".npz", ".glb", ".blend")
# Suffixes someone may expect but batch does not write.
_UNWRITTEN_SUFFIXES = {".gltf": "write .glb (binary glTF)", ".fbx": "write .glb, which game engines import too"}
BLEND_CHARACTER_FORMATS = ("csv", "json", "glb", "blend")


class ManifestError(LipwrightError):
    """The manifest cannot be read, or rows are wrong; the message lists every problem with its row and column."""


class ManifestRow(BaseModel):
    """One row as written, before its paths are looked at."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=(), str_strip_whitespace=True)

    audio: str
    output: str
    transcript: str | None = None
    character: str | None = None
    object: str | None = None
    model: str | None = None
    speaker: str | None = None
    outputs: list[str] | None = None

    @field_validator("transcript", "character", "object", "model", "speaker", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("audio", "output")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("is empty: give a file path")
        return value

    @field_validator("outputs", mode="before")
    @classmethod
    def _formats(cls, value):
        return output_formats(value) or None


def output_formats(value: str | list | None) -> list[str]:
    """"csv, json;glb" or ["csv", ".glb"] -> ["csv", "json", "glb"]; ValueError names unknown formats."""
    if isinstance(value, str):
        value = value.replace(";", ",").replace(" ", ",").split(",")
    formats = [str(part).strip().lower().lstrip(".") for part in value or [] if str(part).strip()]
    unknown = [part for part in formats if part not in OUTPUT_FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}: choose from {', '.join(OUTPUT_FORMATS)}")
    return list(dict.fromkeys(formats))


@dataclass(frozen=True)
class BatchDefaults:
    """What the command line sets for every row (a row's model/speaker win over these)."""

    model: str = "phonemes"
    speaker: str | None = None
    formats: tuple[str, ...] = ("csv", "json", "glb")  # for an output without a format suffix
    fps: float = 30.0
    seed: int | None = None
    recognition: str | None = None
    device: str = "auto"
    models_dir: Path | None = None  # --models-dir, to tell which trained run a model name stands for


def read_manifest(path: Path, defaults: BatchDefaults = BatchDefaults()) -> list[BatchLine]:
    """Every row checked and turned into a BatchLine (its content hash included); raises ManifestError listing
    all problems."""
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise ManifestError(f"{path.name} has no rows: add one line per audio file (columns audio, output, ...)")
    problems: list[str] = []
    lines: list[BatchLine] = []
    written_by: dict[Path, int] = {}
    for number, raw in enumerate(rows, 1):
        errors = _RowErrors(number)
        line = _check_row(raw, path.parent, defaults, errors)
        if line is not None:
            for output in line.outputs.values():
                key = output.resolve()
                if key in written_by:
                    errors.add("output", f"{output} is also written by row {written_by[key]}: give each line its "
                                         "own output")
                written_by.setdefault(key, number)
        problems += errors.messages
        if line is not None and not errors.messages:
            lines.append(line)
    if problems:
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise ManifestError(f"{path.name}: {len(problems)} problem(s), nothing was run (rows count from 1, after "
                            "a CSV's header):\n  " + "\n  ".join(shown))
    from .model_identity import model_identity

    lines = [replace(line, model_identity=model_identity(line.model, defaults.models_dir)) for line in lines]
    return [replace(line, content_hash=line_hash(line)) for line in lines]


class _RowErrors:
    """One row's problems, each as 'row N, column C: what is wrong and what to do'."""

    def __init__(self, row: int) -> None:
        self.row, self.messages = row, []

    def add(self, column: str, message: str) -> None:
        self.messages.append(f"row {self.row}, column {column}: {message}")


def _read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        raise ManifestError(f"no manifest at {path}: check the path")
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ManifestError(f"{path.name} is not valid JSON ({error}): write a list of objects, one per "
                                'line, e.g. [{"audio": "a.wav", "output": "out/a.glb"}]') from None
        if isinstance(data, dict) and isinstance(data.get("lines"), list):
            data = data["lines"]
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise ManifestError(f"{path.name} must hold a list of objects (or {{\"lines\": [...]}}), one per line")
        return data
    if path.suffix.lower() != ".csv":
        raise ManifestError(f"cannot read a '{path.suffix}' manifest: write it as .csv (with a header row) or .json")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name and name not in ManifestRow.model_fields]
    if unknown or "audio" not in header or "output" not in header:
        known = ", ".join(ManifestRow.model_fields)
        raise ManifestError(f"{path.name}: the header must name the columns audio and output (known: {known})"
                            + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    rows = []
    for row in reader:
        if None in row:  # more cells than header names
            row = {**row, "": row.pop(None)}
        rows.append({(name or "").strip(): value for name, value in row.items()})
    return [row for row in rows if any((value or "").strip() for value in row.values() if isinstance(value, str))]


def _check_row(raw: dict, folder: Path, defaults: BatchDefaults, errors: _RowErrors) -> BatchLine | None:
    """The row as a line (None when its cells cannot even be read); its problems go to `errors`."""
    if "" in raw:
        errors.add("-", "has more cells than the header has columns: quote cells that hold commas")
        raw = {name: value for name, value in raw.items() if name}
    raw = {name: value for name, value in raw.items() if value is not None}  # a short CSV row: cells missing
    try:
        row = ManifestRow.model_validate(raw)
    except ValidationError as error:
        for item in error.errors():
            column = ".".join(str(part) for part in item["loc"]) or "-"
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = f"is not a known column (known: {', '.join(ManifestRow.model_fields)})"
            elif item["type"] == "missing":
                message = "is missing: every row needs it"
            errors.add(column, message)
        return None
    audio = folder / row.audio
    if not audio.is_file():
        errors.add("audio", f"no file at {audio}: check the path (relative to the manifest's folder)")
    transcript = _transcript(row.transcript, folder, errors)
    model, speaker = _model(row.model or defaults.model, row.speaker or defaults.speaker, defaults.fps, errors)
    character = _character(row, folder, errors)
    outputs = _outputs(row, folder, defaults.formats, errors)
    _check_outputs_fit(outputs, model, character, errors)
    _check_writable(outputs, [audio, *([character] if character else [])], errors)
    # Returned even when the row has problems: its outputs still count when looking for clashes.
    return BatchLine(row=errors.row, audio=audio, outputs=outputs, model=model, transcript=transcript,
                     speaker=speaker, character=character, object_name=row.object, fps=defaults.fps,
                     seed=defaults.seed, recognition=defaults.recognition, device=defaults.device)


def _transcript(value: str | None, folder: Path, errors: _RowErrors) -> str | None:
    if value is None or "\n" in value or not value.lower().endswith(TRANSCRIPT_FILE_SUFFIXES):
        return value
    from ..cli.transcript_file import read_transcript_file

    try:
        return read_transcript_file(folder / value)
    except LipwrightError as error:
        errors.add("transcript", f"{error} (or write the spoken words themselves in this column)")
        return None


def _model(name: str, speaker: str | None, fps: float, errors: _RowErrors) -> tuple[str, str | None]:
    """The job's own option checks (known model, its speakers), reported against this row's columns."""
    from ..jobs.animation_job import JobOptions
    from ..models import registry

    try:
        JobOptions.model_validate({"model": name, "speaker": speaker, "fps": fps})
    except ValidationError as error:
        for item in error.errors():
            errors.add(str(item["loc"][0]) if item["loc"] else "model", item["msg"].removeprefix("Value error, "))
        return name, speaker
    info = registry.model_info(name)
    if not info.available:
        errors.add("model", f"the model {name!r} cannot run here: {info.reason}")
    return name, speaker


def _character(row: ManifestRow, folder: Path, errors: _RowErrors) -> Path | None:
    if row.character is None:
        if row.object is not None:
            errors.add("object", "names the face in a .blend character, but the row has no character: give the "
                                 ".blend in the character column, or leave object empty")
        return None
    path = folder / row.character
    suffix = path.suffix.lower()
    if suffix not in CHARACTER_SUFFIXES:
        errors.add("character", f"cannot use a '{suffix}' character: give an .obj, .npz or .glb mesh, a .blend "
                                "(with object), or leave it empty for the default head")
        return None
    if not path.is_file():
        errors.add("character", f"no file at {path}: check the path (relative to the manifest's folder)")
        return None
    if suffix == ".blend" and row.object is None:
        errors.add("object", f"is needed with the .blend character {path.name}: the name of its face mesh object")
    if suffix != ".blend" and row.object is not None:
        errors.add("object", "is only for a .blend character; leave it empty for a mesh file")
    return path


def _outputs(row: ManifestRow, folder: Path, default_formats: tuple[str, ...], errors: _RowErrors) -> dict[str, Path]:
    output = folder / row.output
    suffix = output.suffix.lower()
    if suffix in _UNWRITTEN_SUFFIXES:
        errors.add("output", f"batch does not write {suffix} files: {_UNWRITTEN_SUFFIXES[suffix]}")
        return {}
    named = suffix.lstrip(".") if suffix.lstrip(".") in OUTPUT_FORMATS else None
    formats = row.outputs or ([named] if named else list(default_formats))
    if not row.outputs and not named and (row.character or "").lower().endswith(".blend"):
        # A .blend character: its weights and the .blend with the line baked in, by default.
        formats = [name for name in formats if name in BLEND_CHARACTER_FORMATS and name != "blend"] + ["blend"]
    stem = output.with_suffix("") if named else output
    return {name: stem.with_name(f"{stem.name}.{name}") for name in formats}


def _check_outputs_fit(outputs: dict[str, Path], model: str, character: Path | None, errors: _RowErrors) -> None:
    """The formats the row's model and character can make, and the character's mesh for a glb."""
    from ..models import registry

    weight_formats = [name for name in outputs if name in WEIGHT_FORMATS]
    if weight_formats and model in registry.model_names() and registry.model_info(model).motion_space != "weights":
        errors.add("outputs", f"the model {model!r} moves vertices, not ARKit weights, so it cannot write "
                              f"{', '.join(weight_formats)}: choose npz, or a model that works in ARKit weights "
                              "(phonemes)")
    suffix = character.suffix.lower() if character is not None else None
    if suffix == ".blend" and set(outputs) - set(BLEND_CHARACTER_FORMATS):
        errors.add("outputs", "a .blend character gets csv, json, glb and blend (the .blend with the line baked "
                              "in); for npz export its face as .obj and name that as character")
    if suffix != ".blend" and "blend" in outputs:
        errors.add("outputs", "a blend output bakes the line into a .blend character: give the .blend in the "
                              "character column and its face in object")
    if suffix == ".glb" and "npz" in outputs:
        errors.add("outputs", "npz carries vertex motion for the default head or an .obj/.npz character; for a .glb "
                              "character choose glb, csv or json")
    if "glb" in outputs and suffix != ".blend":
        from ..errors import MeshError
        from .character_face import load_character_face

        try:
            load_character_face(character)
        except MeshError as error:
            errors.add("character", str(error))


def _check_writable(outputs: dict[str, Path], inputs: list[Path], errors: _RowErrors) -> None:
    from ..files.output_path import OutputError, check_output_path

    for path in outputs.values():
        try:
            check_output_path(path, inputs=inputs)
        except OutputError as error:
            errors.add("output", str(error))
