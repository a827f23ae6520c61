"""One prepare-character job: find a character's landmarks, or fit the default head to it and make its 52
ARKit shape keys. `read_character_request` checks everything quick at the server's edge; the slow part
runs in a worker process (`run_character_jobs`, for jobs.model_worker), its result written to a file."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from .. import prepare_wire
from ..errors import JobCancelled, LipwrightError, MeshError
from ..files.atomic import write_bytes_atomically
from ..geometry.mesh import MeshData
from ..geometry.validate import validate_mesh
from ..models.base import Progress
from ..retarget.inputs import MAX_CHARACTER_VERTICES, check_character_mesh, check_landmarks
from ..template.landmarks import LANDMARK_NAMES
from ..wire import WireError
from .animation_job import OptionsError, RequestError, describe_validation_error
from .model_worker import progress_sender

log = logging.getLogger(__name__)

CHARACTER_WORKER = "prepare-character"  # the worker process's name among the model workers
TEMPLATE_NAME = "default-head"


class CharacterOptions(BaseModel):
    """The options a prepare-character request carries (prepare_wire.PREPARE_OPTION_NAMES)."""

    model_config = ConfigDict(extra="forbid")

    step: Literal["landmarks", "fit"]
    use_detector: bool = True  # False: guess the landmarks from the shape alone
    part_names: list[str] = []  # what the user calls each separate part (for messages), in the request's order


@dataclass(frozen=True)
class CharacterRequest:
    """A checked request: the mesh as arrays, landmarks name -> (3,) (for "fit"), and the character's separate
    teeth, tongue and eye meshes (in the mesh's space) that get keys of their own."""

    options: CharacterOptions
    mesh: MeshData
    landmarks: dict[str, np.ndarray] | None
    parts: tuple[MeshData, ...] = ()

    def describe(self) -> str:
        return f"prepare character: {self.options.step}, {self.mesh.vertex_count:,} vertices"


def read_character_request(data: bytes, max_vertices: int) -> CharacterRequest:
    """Bytes from the wire -> a checked request; RequestError, OptionsError or MeshError naming the fix."""
    max_vertices = min(max_vertices, MAX_CHARACTER_VERTICES)
    try:
        raw_options, mesh_arrays, landmarks, part_arrays = prepare_wire.decode_prepare_request(data, max_vertices)
    except WireError as error:
        raise RequestError(str(error)) from None
    try:
        options = CharacterOptions.model_validate(raw_options)
    except ValidationError as error:
        raise OptionsError(describe_validation_error(error, "prepare-character options")) from None
    vertex_count = int(np.shape(mesh_arrays["vertices"])[0]) if np.ndim(mesh_arrays["vertices"]) else 0
    if vertex_count > max_vertices:
        raise MeshError(f"The character has {vertex_count:,} vertices; this server prepares characters of up to "
                        f"{max_vertices:,}. Prepare a lower-resolution copy (Decimate modifier, or a lower "
                        "Subdivision level) and let the Subdivision modifier add detail after the shape keys.")
    mesh = check_character_mesh(MeshData(**mesh_arrays))
    if options.step == "fit":
        if landmarks is None:
            raise OptionsError("the fit step needs the landmarks: find them first (step 'landmarks'), check or "
                               "move them, then send them with the fit")
        landmarks = check_landmarks(landmarks, LANDMARK_NAMES)
    part_vertices = sum(len(part["vertices"]) for part in part_arrays)
    if part_vertices > max_vertices:
        raise MeshError(f"The separate parts have {part_vertices:,} vertices together; this server takes up to "
                        f"{max_vertices:,}: give only the teeth, tongue and eye meshes, or lighter copies of them.")
    parts = tuple(validate_mesh(part["vertices"], part["faces_flat"], part["face_sizes"], max_vertices=max_vertices)
                  for part in part_arrays)
    if parts and options.step != "fit":
        raise OptionsError("separate parts go with the fit step only")
    return CharacterRequest(options=options, mesh=mesh, landmarks=landmarks, parts=parts)


class MissingFitLibraries(LipwrightError):
    """The backend's Python lacks the libraries that fitting needs."""


def _retarget():
    """The fitting code, imported in the worker only: it needs trimesh, rtree, fast-simplification and scipy
    (the extension zip bundles them), and the server starts without them so that a broken install still
    runs the default model and names what is missing here."""
    try:
        from ..retarget import attached_parts, correspondence, landmarks, prepare
    except ImportError as error:
        raise MissingFitLibraries(
            f"preparing a character needs the module '{error.name or error}', which the backend's Python lacks: "
            "reinstall the Lipwright extension built for this platform (it bundles it), or in the add-on "
            "preferences set Python to an environment with the backend's dependencies, then try again") from None
    return landmarks, prepare, attached_parts, correspondence


def find_landmarks_result(request: CharacterRequest, progress: Progress) -> bytes:
    landmarks, *_ = _retarget()
    found = landmarks.find_character_landmarks(request.mesh, use_detector=request.options.use_detector,
                                               progress=progress)
    meta = {"step": "landmarks", "method": found.method, "confidence": float(found.confidence),
            "warnings": list(found.warnings), "vertex_count": request.mesh.vertex_count}
    return prepare_wire.encode_prepare_result(meta, found.points)


def fit_result(request: CharacterRequest, progress: Progress) -> bytes:
    _, prepare, attached_parts, correspondence_file = _retarget()
    prepared = prepare.prepare_character(request.mesh, request.landmarks, progress=progress)
    report = prepared.report
    parts = []
    for number, part in enumerate(request.parts):
        progress(0.9, "moving the separate teeth, tongue and eyes")
        names = request.options.part_names
        name = f"'{names[number]}'" if number < len(names) else f"separate part {number + 1}"
        parts.append(attached_parts.attached_mesh_targets(prepared, part, name))
    meta = {"step": "fit", "template": TEMPLATE_NAME, "vertex_count": request.mesh.vertex_count,
            "report": {"poor_areas": list(report.poor_areas), "is_poor": report.is_poor,
                       "warnings": list(report.warnings), "surface_error_median": report.surface_error_median,
                       "surface_error_p95": report.surface_error_p95,
                       "inverted_mouth_triangles": report.inverted_mouth_triangles,
                       "landmark_errors": report.landmark_errors,
                       "misplaced_landmarks": list(report.misplaced_landmarks),
                       "landmark_disagreements": report.landmark_disagreements},
            "warnings": list(report.warnings),
            "parts": [{"parts": list(part.parts), "still_vertices": part.still_vertices} for part in parts]}
    correspondence = prepared.correspondence
    return prepare_wire.encode_prepare_result(
        meta, request.landmarks, prepared.targets, prepared.target_names, correspondence.corners,
        correspondence.barycentric, correspondence_file.correspondence_npz_bytes(correspondence),
        [part.targets for part in parts])


def run_character_job(request: CharacterRequest, progress: Progress, result_path: Path) -> None:
    """The slow part of one job; the result is written whole to result_path or not at all."""
    work = find_landmarks_result if request.options.step == "landmarks" else fit_result
    data = work(request, progress)
    progress(0.98, "sending the result")
    write_bytes_atomically(result_path, data)


def run_character_jobs(requests: list[CharacterRequest], result_paths: list[Path], connection: Connection,
                       device: str) -> list[tuple]:
    """The worker process's side (jobs.model_worker's run_jobs): each job's outcome, in order."""
    progress = progress_sender(connection)
    outcomes = []
    for request, result_path in zip(requests, result_paths):
        try:
            run_character_job(request, progress, result_path)
            outcomes.append(("done",))
        except JobCancelled:
            outcomes.append(("cancelled",))
        except LipwrightError as error:
            outcomes.append(("failed", str(error)))
        except (BrokenPipeError, ConnectionError, EOFError):
            raise
        except Exception as error:  # a bug fails its job; the worker goes on
            log.error("a prepare-character job crashed:\n%s", traceback.format_exc())
            outcomes.append(("crashed", f"internal error while preparing the character: {type(error).__name__}: "
                                        f"{error}"))
    return outcomes
