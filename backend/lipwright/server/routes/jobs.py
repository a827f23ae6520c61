"""/v1/jobs: submit an animation job (wire request npz), follow its progress, fetch its result, cancel it.

Submitting checks the request, the audio and the mesh before queueing, so bad input is answered at
once with what is wrong; only the model's work waits in the queue.
"""

import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ...jobs.animation_job import prepare_animation
from ...jobs.model_worker import ModelWorkers
from ...jobs.queue import JobQueue, JobState, JobStatus
from ..problems import Problem
from ..schemas import ErrorResponse, JobStatusResponse

router = APIRouter(prefix="/jobs", tags=["jobs"])

# Past the limit the rest of an oversized body is still read (and dropped) up to this many bytes, so the
# client gets its 413 instead of a connection reset while it is still sending.
DRAIN_LIMIT_BYTES = 4 * 1024 * 1024 * 1024

RESULT_CHUNK_BYTES = 1024 * 1024

ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 413, 422, 429)}


def npz_request_body(description: str) -> dict:
    """The OpenAPI description of a route whose body is npz bytes, not JSON."""
    return {"requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "description": description,
    }}


def status_response(status: JobStatus, request: Request) -> JobStatusResponse:
    result_url = None
    if status.state is JobState.DONE:
        result_url = str(request.url_for("get_job_result", job_id=status.id).path)
    return JobStatusResponse(
        id=status.id, state=status.state.value, progress=status.progress, message=status.message,
        error=status.error, position=status.position, label=status.label, created_at=status.created_at,
        started_at=status.started_at, finished_at=status.finished_at, result_url=result_url,
    )


async def read_body_within(request: Request, limit: int) -> bytes:
    """The request body, or 413 when it is larger than `limit` (never holding more than `limit`)."""
    too_large = Problem(
        413,
        f"the request is larger than the server's limit of {limit / 2**20:.0f} MiB; send shorter audio "
        "(split long dialogue into lines) or a smaller mesh, or start the server with a larger "
        "--max-request-mb",
    )
    declared = request.headers.get("content-length")
    chunks, size, over = [], 0, False
    if declared is not None and declared.isdigit() and int(declared) > limit:
        over = True
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            over = True
        if over:
            if size > DRAIN_LIMIT_BYTES:
                break
            continue
        chunks.append(chunk)
    if over:
        raise too_large
    return b"".join(chunks)


@router.post(
    "",
    status_code=202,
    response_model=JobStatusResponse,
    responses=ERRORS,
    openapi_extra=npz_request_body("a job request made by lipwright.wire.encode_request"),
)
async def submit_job(request: Request, response: Response) -> JobStatusResponse:
    settings = request.app.state.settings
    queue: JobQueue = request.app.state.queue
    body = await read_body_within(request, settings.max_request_bytes)
    if not body:
        raise Problem(400, "the request body is empty; send the npz bytes made by lipwright.wire.encode_request")
    # Decoding audio is CPU work: off the event loop, so status polls stay answered meanwhile.
    prepared = await run_in_threadpool(
        prepare_animation, body, settings.max_audio_seconds, settings.max_vertices, settings.max_request_bytes,
        settings.max_frame_vertices,
    )
    del body
    workers: ModelWorkers = request.app.state.workers
    label = f"{prepared.options.model}, {prepared.clip.seconds:.1f} s at {prepared.options.fps:g} fps"
    # Jobs for a batched model that wait together run together: one forward pass for all their lines.
    status = queue.submit(workers.work_for(prepared), label=label)
    response.headers["Location"] = str(request.url_for("get_job", job_id=status.id).path)
    return status_response(status, request)


@router.get("/{job_id}", response_model=JobStatusResponse, responses=ERRORS)
def get_job(job_id: str, request: Request) -> JobStatusResponse:
    return status_response(request.app.state.queue.status(job_id), request)


@router.get(
    "/{job_id}/result",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "result npz"}, **ERRORS},
)
def get_job_result(job_id: str, request: Request) -> Response:
    """The npz result (lipwright.wire.decode_result reads it), streamed from its file; 409 while the job
    is not done."""
    path = request.app.state.queue.result(job_id)
    try:
        handle = open(path, "rb")  # open now: the file may expire while it is sent, the open file stays
    except FileNotFoundError:
        raise Problem(404, f"the result of job {job_id} has expired; run the job again") from None
    size = os.fstat(handle.fileno()).st_size

    def chunks():
        with handle:
            while chunk := handle.read(RESULT_CHUNK_BYTES):
                yield chunk

    return StreamingResponse(
        chunks(),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="lipwright-{job_id}.npz"',
                 "Content-Length": str(size)},
    )


@router.post("/{job_id}/cancel", response_model=JobStatusResponse, responses=ERRORS)
def cancel_job(job_id: str, request: Request) -> JobStatusResponse:
    """A queued job is dropped at once; a running one stops at its next progress step, or its worker
    process is ended when it does not stop within a short grace."""
    return status_response(request.app.state.queue.cancel(job_id), request)
