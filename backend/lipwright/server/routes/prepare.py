"""/v1/prepare: submit a prepare-character job (find landmarks, or fit and make the 52 ARKit shape keys).

The request is checked before it is queued (an empty or oversized mesh is answered at once); the job is
followed, fetched and cancelled like any other under /v1/jobs."""

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ...jobs.model_worker import ModelWorkers
from ...jobs.prepare_job import CHARACTER_WORKER, read_character_request, run_character_jobs
from ...jobs.queue import JobQueue
from ..problems import Problem
from ..schemas import JobStatusResponse
from .jobs import ERRORS, npz_request_body, read_body_within, status_response

router = APIRouter(prefix="/prepare", tags=["prepare"])


@router.post(
    "",
    status_code=202,
    response_model=JobStatusResponse,
    responses=ERRORS,
    openapi_extra=npz_request_body("a request made by lipwright.prepare_wire.encode_prepare_request"),
)
async def submit_prepare_job(request: Request, response: Response) -> JobStatusResponse:
    settings = request.app.state.settings
    queue: JobQueue = request.app.state.queue
    body = await read_body_within(request, settings.max_request_bytes)
    if not body:
        raise Problem(400, "the request body is empty; send the npz bytes made by "
                           "lipwright.prepare_wire.encode_prepare_request")
    character = await run_in_threadpool(read_character_request, body, settings.max_vertices)
    del body
    workers: ModelWorkers = request.app.state.workers
    # Rendering, the face detector and the fit are native code: they run in a worker process of their own.
    worker = workers.worker_for(CHARACTER_WORKER, run_character_jobs)
    status = queue.submit(lambda context: worker.run(character, context), label=character.describe())
    response.headers["Location"] = str(request.url_for("get_job", job_id=status.id).path)
    return status_response(status, request)
