"""The FastAPI application: routers under /v1, behind the host check, the browser refusal and the token."""

import functools
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import __version__
from ..jobs.model_worker import ModelWorkers
from ..jobs.queue import JobQueue
from ..models.run_folders import register_runs
from ..wire import API_PREFIX
from .problems import install_problem_handlers
from .routes import health, jobs, models, prepare, template
from .security import RefuseBrowserOrigin, require_token
from .settings import ServerSettings


def create_app(settings: ServerSettings, queue: JobQueue | None = None, workers: ModelWorkers | None = None) -> FastAPI:
    """Every route needs the token, /v1/health included: a client that can read the token file is the
    only client there is, and a health check that also proves the token is worth more.
    Models run in `workers` (child processes), never in the server's own process. The trained runs are
    registered here and again in each worker process (spawned, it starts with a fresh registry)."""
    register_runs(settings.models_dirs)
    if queue is None:
        queue = JobQueue(
            max_waiting=settings.max_waiting_jobs,
            keep_finished=settings.keep_finished_jobs,
            keep_seconds=settings.keep_finished_seconds,
            keep_result_bytes=settings.keep_result_bytes,
        )
    if workers is None:
        workers = ModelWorkers(settings.device, setup=functools.partial(register_runs, settings.models_dirs))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        queue.close(timeout=5.0)  # a running job is cancelled, its worker ended if it does not stop
        workers.close()

    # No interactive docs or schema routes: nothing is served that the add-on does not use.
    app = FastAPI(
        title="Lipwright", version=__version__, docs_url=None, redoc_url=None, openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.queue = queue
    app.state.workers = workers
    install_problem_handlers(app)
    protected = [Depends(require_token)]
    for router in (health.router, models.router, jobs.router, prepare.router, template.router):
        app.include_router(router, prefix=API_PREFIX, dependencies=protected)
    # The last added middleware runs first: the Host check, then the Origin refusal, then the routes.
    app.add_middleware(RefuseBrowserOrigin)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))

    return app
