"""Errors as HTTP answers: a status code and JSON {"detail": "<what is wrong and what to do>"}."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AudioError, LipwrightError, MeshError, ModelError, TranscriptError
from ..jobs.animation_job import OptionsError, RequestError
from ..jobs.queue import JobNotDone, QueueFull, UnknownJob

log = logging.getLogger(__name__)


class Problem(Exception):
    """Raise inside a route to answer `status` with `detail`."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers


# Most specific first: the first matching class gives the status.
STATUS_FOR_ERROR: tuple[tuple[type[LipwrightError], int], ...] = (
    (RequestError, 400),
    (UnknownJob, 404),
    (JobNotDone, 409),
    (QueueFull, 429),
    (OptionsError, 422),
    (AudioError, 422),
    (MeshError, 422),
    (TranscriptError, 422),
    (ModelError, 422),
    (LipwrightError, 422),
)


def status_for(error: LipwrightError) -> int:
    return next(status for kind, status in STATUS_FOR_ERROR if isinstance(error, kind))


def problem_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(error.status, error.detail, error.headers)

    @app.exception_handler(LipwrightError)
    async def _lipwright(request: Request, error: LipwrightError) -> JSONResponse:
        return problem_response(status_for(error), str(error))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else str(error.detail)
        if error.status_code == 404 and detail == "Not Found":
            detail = f"no such route {request.method} {request.url.path}; the API lives under /v1"
        elif error.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(error.status_code, detail, getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body", "path", "query"))
            parts.append(f"{where or 'request'}: {item.get('msg', 'invalid')}")
        return problem_response(422, "invalid request: " + "; ".join(parts))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        return problem_response(500, f"internal server error: {type(error).__name__}: {error}")
