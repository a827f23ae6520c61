"""GET /v1/health: the server is up, which version, which device, how busy, and its limits."""

import os

from fastapi import APIRouter, Request

from ... import __version__
from ...jobs.animation_job import MAX_FPS, TRANSCRIPT_CHARS_PER_SECOND, max_transcript_chars
from ...wire import API_VERSION
from ..schemas import HealthResponse, Limits

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
def health(request: Request) -> HealthResponse:
    settings = request.app.state.settings
    return HealthResponse(
        version=__version__,
        api_version=API_VERSION,
        device=settings.device,
        pid=os.getpid(),
        jobs=request.app.state.queue.counts(),
        limits=Limits(
            max_request_bytes=settings.max_request_bytes,
            max_audio_seconds=settings.max_audio_seconds,
            max_vertices=settings.max_vertices,
            max_frame_vertices=settings.max_frame_vertices,
            max_waiting_jobs=settings.max_waiting_jobs,
            max_fps=MAX_FPS,
            max_transcript_chars=max_transcript_chars(settings.max_audio_seconds),
            transcript_chars_per_second=TRANSCRIPT_CHARS_PER_SECOND,
        ),
    )
