"""The JSON bodies of every route (request bodies that are not JSON are npz bytes: see lipwright.wire)."""

from typing import Literal

from pydantic import BaseModel, Field

JobStateName = Literal["queued", "running", "done", "failed", "cancelled"]


class ErrorResponse(BaseModel):
    detail: str = Field(description="What is wrong and what to do about it, for a person to read.")


class Limits(BaseModel):
    max_request_bytes: int
    max_audio_seconds: float
    max_vertices: int
    max_frame_vertices: int = Field(description="Frames × vertices of one result with offsets (12 bytes each).")
    max_waiting_jobs: int
    max_fps: float
    max_transcript_chars: int = Field(description="For the longest audio accepted; shorter audio allows less.")
    transcript_chars_per_second: float = Field(
        description="A line's transcript may hold max_transcript_chars less this many per second it is shorter.")


class HealthResponse(BaseModel):
    service: Literal["lipwright"] = "lipwright"
    version: str
    api_version: str
    device: str = Field(description="'cuda' or 'cpu': where models run.")
    pid: int
    jobs: dict[str, int] = Field(description="How many known jobs are in each state.")
    limits: Limits


class RecognitionModeResponse(BaseModel):
    name: str = Field(description="A value of the job option 'recognition', e.g. 'fast'.")
    available: bool
    reason: str = Field(description="Why the mode cannot run here; empty when it can.")


class ModelInfoResponse(BaseModel):
    name: str
    description: str
    weights_needed: bool
    available: bool
    reason: str = Field(description="Why the model cannot run here; empty when it can.")
    motion_space: Literal["weights", "vertices"] = Field(
        description="'weights': 52 ARKit weights (and offsets on the default head); 'vertices': offsets on `template`.")
    template: str = Field(description="The topology the model's motion is made for, e.g. 'default-head'.")
    speakers: list[str] = Field(description="Talking styles the job option 'speaker' may name; empty for none.")
    recognition: list[RecognitionModeResponse] = Field(
        default_factory=list,
        description="How a line without a transcript may be heard (job option 'recognition'), each mode with "
                    "whether it can run here; empty for a model that takes no such option.")


class ModelListResponse(BaseModel):
    default: str
    models: list[ModelInfoResponse]


class JobStatusResponse(BaseModel):
    id: str
    state: JobStateName
    progress: float = Field(ge=0.0, le=1.0)
    message: str = Field(description="What the job is doing now, e.g. 'recognising phones'.")
    error: str | None = Field(description="Why the job failed (state 'failed'), else null.")
    position: int | None = Field(description="Jobs ahead of this one while it is queued, else null.")
    label: str
    created_at: float = Field(description="Unix time.")
    started_at: float | None
    finished_at: float | None
    result_url: str | None = Field(description="Where to GET the npz result once the state is 'done'.")
