"""GET /v1/models: the speech models this server knows, whether each can run here, and their speakers."""

from fastapi import APIRouter, Request

from ...models import registry
from ...models.run_folders import register_runs
from ..schemas import ModelInfoResponse, ModelListResponse, RecognitionModeResponse

router = APIRouter(prefix="/models", tags=["models"])


@router.get("", response_model=ModelListResponse)
def list_models(request: Request) -> ModelListResponse:
    # Looked for again on every listing (config.json files only), so a run copied in while the server
    # runs appears on the add-on's Refresh; a worker process started for it later finds it the same way.
    register_runs(request.app.state.settings.models_dirs)
    return ModelListResponse(
        default=registry.DEFAULT_MODEL,
        models=[
            ModelInfoResponse(
                name=info.name, description=info.description, weights_needed=info.weights_needed,
                available=info.available, reason=info.reason, motion_space=info.motion_space,
                template=info.template, speakers=list(info.speakers),
                recognition=[RecognitionModeResponse(name=mode, available=not why, reason=why)
                             for mode, why in info.recognition],
            )
            for info in registry.available_models()
        ],
    )
