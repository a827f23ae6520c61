"""GET /v1/models: the speech models this server knows, whether each can run here, and their speakers."""

from fastapi import APIRouter

from ...models import registry
from ..schemas import ModelInfoResponse, ModelListResponse

router = APIRouter(prefix="/models", tags=["models"])


@router.get("", response_model=ModelListResponse)
def list_models() -> ModelListResponse:
    return ModelListResponse(
        default=registry.DEFAULT_MODEL,
        models=[
            ModelInfoResponse(
                name=info.name, description=info.description, weights_needed=info.weights_needed,
                available=info.available, reason=info.reason, motion_space=info.motion_space,
                template=info.template, speakers=list(info.speakers),
            )
            for info in registry.available_models()
        ],
    )
