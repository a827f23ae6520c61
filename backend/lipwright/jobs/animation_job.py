"""One animation job: wire request bytes in, wire result bytes out, every input checked on the way.

`prepare_animation` does the quick checks (request, options, audio, mesh, result size) so the server can
refuse bad input while the user waits for the answer; `run_model` and `write_animation` do the slow part
(in a model worker process, for the server), the result streamed into a file or stream.
"""

import io
import logging
import os
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .. import __version__, wire
from ..audio.clip import AudioClip, frame_count
from ..audio.decode import DecodedAudio, decode_audio
from ..errors import JobCancelled, LipwrightError, ModelError
from ..files.atomic import atomic_writer
from ..files.output_path import OutputError
from ..geometry.mesh import MeshData
from ..geometry.validate import validate_mesh
from ..models import registry
from ..models.base import Animation, AnimationRequest, Progress, SpeechModel
from ..template import load_default_head
from .character_offsets import carried_to_character, read_correspondence

log = logging.getLogger(__name__)

# A transcript may be as long as its audio can say: a base for short lines, plus far more characters
# per second than anyone speaks (about 15), so subtitles with stage directions still fit.
TRANSCRIPT_BASE_CHARS = 5000
TRANSCRIPT_CHARS_PER_SECOND = 40
MAX_FPS = 240.0
DEFAULT_MAX_AUDIO_SECONDS = 600.0
DEFAULT_MAX_VERTICES = 500_000
# A result is frames × vertices × 12 bytes: this bounds it to 2.2 GiB, enough for a 10-minute line at
# 60 fps on the default head (4,821 vertices); a weights-only result is not bounded by it.
MAX_FRAME_VERTICES = 200_000_000


def max_transcript_chars(audio_seconds: float) -> int:
    """The longest transcript accepted for `audio_seconds` of audio."""
    return int(TRANSCRIPT_BASE_CHARS + TRANSCRIPT_CHARS_PER_SECOND * audio_seconds)


class RequestError(LipwrightError):
    """The request itself is malformed: not an npz, parts missing, options not a JSON object or with unknown names."""


class OptionsError(LipwrightError):
    """The job options are well formed but not acceptable (unknown model, fps out of range...)."""


class JobOptions(BaseModel):
    """The options a job request carries (wire.OPTION_NAMES)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str = registry.DEFAULT_MODEL
    fps: float = Field(30.0, gt=0, le=MAX_FPS, allow_inf_nan=False)
    transcript: str | None = None  # its length is checked against the audio's (max_transcript_chars)
    seed: int | None = None
    offsets: bool = True  # False: weights only (the add-on driving a face's own ARKit keys)
    # Without a transcript: "accurate" recognises words, "fast" phones, "network" phones checked by
    # the closures and p/b/m trained networks hear (see phones.track).
    recognition: Literal["accurate", "fast", "network"] = "fast"
    # Trained models: whose talking style (one of the model's listed speakers); none: the average style.
    speaker: str | None = None

    @field_validator("model")
    @classmethod
    def _model_is_known(cls, name: str) -> str:
        known = registry.model_names()
        if name not in known:
            raise ValueError(f"unknown model {name!r}; known models: {', '.join(known)}")
        return name

    @field_validator("transcript", "speaker")
    @classmethod
    def _blank_is_none(cls, text: str | None) -> str | None:
        return text if text and text.strip() else None

    @field_validator("recognition")
    @classmethod
    def _recognition_runs_here(cls, mode: str, info: ValidationInfo) -> str:
        """A mode that cannot run here is refused when the job is sent, not after it waited in the queue.
        With a transcript the mode is not used, so it is not checked."""
        model = info.data.get("model")
        if model is None or info.data.get("transcript"):
            return mode
        why = dict(registry.model_info(model).recognition).get(mode, "")
        if why:
            raise ValueError(f"recognition {mode!r} cannot run here ({why}); choose recognition 'fast', "
                             "or give the line a transcript")
        return mode

    @field_validator("speaker")
    @classmethod
    def _speaker_is_the_models(cls, speaker: str | None, info: ValidationInfo) -> str | None:
        model = info.data.get("model")  # absent when the model itself was refused
        if speaker is None or model is None:
            return speaker
        speakers = registry.model_info(model).speakers
        if not speakers:
            raise ValueError(f"the model {model!r} has no speakers to choose from; leave speaker empty")
        if speaker not in speakers:
            raise ValueError(f"the model {model!r} has no speaker {speaker!r}; choose one of "
                             f"{', '.join(speakers)}, or leave it empty for the average style")
        return speaker


@dataclass(frozen=True)
class PreparedAnimation:
    """mesh: the user's mesh (None: the model's template); correspondence: a prepared character's place on
    the default head (retarget.correspondence.Correspondence), when its mesh came with one; recording: a
    clipped recording at its own rate, whose peaks the worker rebuilds (`clip` is then the line as cut)."""

    options: JobOptions
    clip: AudioClip
    mesh: MeshData | None
    correspondence: object | None = None
    recording: DecodedAudio | None = None

    def heard_clip(self) -> AudioClip:
        """The line the model hears: for a clipped recording, rebuilt here (the slow part's side)."""
        return self.clip if self.recording is None else self.recording.clip(self.clip.sample_rate)


def describe_validation_error(error: ValidationError, what: str) -> str:
    """Pydantic's errors as one sentence a user can act on: 'fps: must be greater than 0 (got -1)'."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or what
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "is not a known option"
        if "input" in item and item["type"] != "extra_forbidden":
            shown = repr(item["input"])
            message += f" (got {shown[:60] + '…' if len(shown) > 60 else shown})"
        parts.append(f"{where}: {message}")
    return f"invalid {what}: " + "; ".join(parts)


def parse_options(options: dict) -> JobOptions:
    try:
        return JobOptions.model_validate(options)
    except ValidationError as error:
        raise OptionsError(describe_validation_error(error, "job options")) from None


def prepare_animation(
    request_bytes: bytes,
    max_audio_seconds: float = DEFAULT_MAX_AUDIO_SECONDS,
    max_vertices: int = DEFAULT_MAX_VERTICES,
    max_request_bytes: int = wire.DEFAULT_MAX_REQUEST_BYTES,
    max_frame_vertices: int = MAX_FRAME_VERTICES,
) -> PreparedAnimation:
    """Decode and check everything a job needs; raises a LipwrightError naming what is wrong."""
    try:
        audio, options, mesh_arrays = wire.decode_request(request_bytes, max_request_bytes, max_vertices)
    except wire.WireError as error:
        raise RequestError(str(error)) from None
    job_options = parse_options(options)
    # Before decoding: no audio this server accepts could carry a longer transcript.
    _check_transcript_length(job_options.transcript, max_audio_seconds, "the longest audio accepted")
    recording = decode_audio(audio, max_seconds=max_audio_seconds)
    # A clipped line's peaks are rebuilt by the worker (seconds for a long one), not while the user waits.
    clipped = recording.cut_share() > 0
    clip = recording.clip(rebuild=not clipped)
    _check_transcript_length(job_options.transcript, clip.seconds, "this audio")
    mesh = correspondence = None
    if mesh_arrays is not None:
        mesh = validate_mesh(
            mesh_arrays["vertices"], mesh_arrays["faces_flat"], mesh_arrays["face_sizes"], max_vertices=max_vertices,
        )
        if "correspondence" in mesh_arrays:
            correspondence = read_correspondence(mesh_arrays["correspondence"], mesh)
    if job_options.offsets:
        check_result_size(clip.seconds, job_options.fps, mesh, max_frame_vertices)
    return PreparedAnimation(job_options, clip, mesh, correspondence, recording if clipped else None)


def check_result_size(seconds: float, fps: float, mesh: MeshData | None, max_frame_vertices: int) -> None:
    """Refuses work whose offsets (frames × vertices × 12 bytes) would pass the limit, before it starts."""
    vertices = mesh.vertex_count if mesh is not None else load_default_head().mesh.vertex_count
    frames = frame_count(seconds, fps)
    if frames * vertices > max_frame_vertices:
        longest = max_frame_vertices / vertices / fps
        raise OptionsError(
            f"the result would be {frames:,} frames × {vertices:,} vertices ({frames * vertices * 12 / 1024**3:.1f} GiB), "
            f"more than the limit of {max_frame_vertices:,} frame-vertices: lower the fps, split the line into parts "
            f"of at most {longest:.0f} s at {fps:g} fps, use a lighter mesh, or ask for weights only"
        )


def _check_transcript_length(transcript: str | None, seconds: float, what: str) -> None:
    limit = max_transcript_chars(seconds)
    if transcript is not None and len(transcript) > limit:
        raise OptionsError(
            f"transcript: {len(transcript)} characters is more than {limit}, the most for {what} "
            f"({seconds:.1f} s); check it is this line's transcript, or split the line."
        )


def load_model(name: str, progress: Progress, device: str) -> SpeechModel:
    progress(0.0, f"loading the {name} model")
    try:
        return registry.get_model(name, device)
    except LipwrightError:
        raise
    except Exception as error:  # a model that cannot even load is worth a clearer message than a crash
        log.error("loading the %s model failed:\n%s", name, traceback.format_exc())
        raise ModelError(
            f"the {name} model could not be loaded ({type(error).__name__}: {error}); "
            "see the server log, or pick another model"
        ) from error


def animation_request(prepared: PreparedAnimation) -> AnimationRequest:
    options = prepared.options
    return AnimationRequest(
        # A prepared character: the model moves its own template, whose motion is carried over afterwards.
        clip=prepared.heard_clip(), fps=options.fps, transcript=options.transcript,
        mesh=None if prepared.correspondence is not None else prepared.mesh, seed=options.seed,
        offsets=options.offsets, recognition=options.recognition, speaker=options.speaker,
    )


def run_model(prepared: PreparedAnimation, progress: Progress, device: str) -> tuple[Animation, dict]:
    """Run the model on checked input; returns its animation (offsets maybe still to compute) and the meta."""
    started = time.perf_counter()
    model = load_model(prepared.options.model, progress, device)
    animation = carried_to_character(model.animate(animation_request(prepared), progress), prepared.correspondence,
                                     prepared.mesh)
    return animation, checked_meta(prepared, animation, device, time.perf_counter() - started)


def checked_meta(prepared: PreparedAnimation, animation: Animation, device: str, seconds: float) -> dict:
    """The result's meta, once the animation is checked to be one the wire can carry."""
    options = prepared.options
    if animation.offsets is None and animation.weights is None:
        raise ModelError(f"the {options.model} model returned neither offsets nor weights; this is a bug in the model")
    if animation.offsets is not None and (animation.offsets.ndim != 3 or animation.offsets.shape[1:] != animation.rest.shape):
        raise ModelError(
            f"the {options.model} model returned offsets of shape {animation.offsets.shape} for a rest mesh "
            f"of shape {animation.rest.shape}; this is a bug in the model"
        )
    meta = {
        "model": options.model,
        "version": __version__,
        "audio_seconds": prepared.clip.seconds,
        "device": device,
        "compute_seconds": seconds,  # the model's own figure, if it gives one, wins
        **animation.meta,
    }
    # What decoding worked around (a cut-off file) comes first: it explains the model's own warnings.
    meta["warnings"] = [*prepared.clip.warnings, *animation.meta.get("warnings", [])]
    return meta


def animate_together_to(prepared: Sequence[PreparedAnimation], progress: Progress, device: str,
                        targets: Sequence[str | os.PathLike]) -> list[LipwrightError | None]:
    """Jobs for one batched model (registry: batched) through one `animate_many` call, each result written
    to its own target; returns each job's error, or None when it is done. When the shared call refuses
    (one line the model cannot do), each line runs alone, so only that line's job fails.
    Raises JobCancelled (all of them were cancelled) and errors of the model's loading."""
    started = time.perf_counter()
    names = {item.options.model for item in prepared}
    if len(names) != 1:
        raise ModelError(f"jobs for several models ({', '.join(sorted(names))}) were run together; this is a bug")
    model = load_model(names.pop(), progress, device)
    try:
        animations = [carried_to_character(animation, item.correspondence, item.mesh) for item, animation in
                      zip(prepared, model.animate_many([animation_request(item) for item in prepared], progress))]
    except JobCancelled:
        raise
    except LipwrightError:
        return [_error_of(lambda item=item, target=target: animate_prepared_to(item, progress, device, target))
                for item, target in zip(prepared, targets)]
    seconds = time.perf_counter() - started
    errors = []
    for item, animation, target in zip(prepared, animations, targets):
        def write(item=item, animation=animation, target=target):
            meta = checked_meta(item, animation, device, seconds / len(prepared))
            meta["batched_with"] = len(prepared)  # lines that shared the forward passes
            write_animation(animation, meta, target)
        errors.append(_error_of(write))
    progress(1.0, "results written")
    return errors


def _error_of(work) -> LipwrightError | None:
    try:
        work()
    except JobCancelled:
        raise
    except LipwrightError as error:
        return error
    return None


def write_animation(animation: Animation, meta: dict, target: BinaryIO | str | os.PathLike) -> None:
    """The animation as a wire result npz, offsets streamed (see wire.write_result), into `target`: a binary
    stream, or a path replaced whole and only on success (OutputError, naming the path, when it cannot be)."""
    if not isinstance(target, (str, os.PathLike)):
        wire.write_result(
            target, animation.offsets, animation.rest, animation.fps, animation.landmark_index, meta,
            weights=animation.weights, weight_names=animation.weight_names,
            landmark_tracks=animation.landmark_tracks, landmark_track_names=animation.landmark_track_names,
            part_weights=animation.part_weights, part_weight_names=animation.part_weight_names,
        )
        return
    try:
        with atomic_writer(target) as stream:
            write_animation(animation, meta, stream)
    except OSError as error:  # a full disk, a quota: the old file (if any) is still there, whole
        raise OutputError(f"could not write {target} ({error.strerror or error}); nothing was written and any "
                          "earlier file there is unchanged: free some space or choose another place") from None


def animate_prepared_to(prepared: PreparedAnimation, progress: Progress, device: str,
                        target: BinaryIO | str | os.PathLike) -> dict:
    """Run the model and stream the result into `target` (see write_animation); returns the result's meta."""
    animation, meta = run_model(prepared, progress, device)
    progress(1.0, "writing the result")
    write_animation(animation, meta, target)
    return meta


def animate_prepared(prepared: PreparedAnimation, progress: Progress, device: str) -> bytes:
    """Run the model on checked input and encode its animation as wire result bytes."""
    buffer = io.BytesIO()
    animate_prepared_to(prepared, progress, device, buffer)
    return buffer.getvalue()


def run_animation_job(request_bytes: bytes, progress: Progress, device: str) -> bytes:
    """The whole job in one call (what the queue runs when nothing was checked beforehand)."""
    return animate_prepared(prepare_animation(request_bytes), progress, device)
