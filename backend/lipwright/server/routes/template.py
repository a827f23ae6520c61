"""GET /v1/template: the default head as template npz bytes, for the add-on's "Add Lipwright head"."""

import threading

from fastapi import APIRouter, Response

router = APIRouter(prefix="/template", tags=["template"])

_cached: bytes | None = None
_lock = threading.Lock()


def default_head_npz() -> bytes:
    """Prepared once per server: the template does not change while it runs."""
    global _cached
    with _lock:
        if _cached is None:
            from ...template import load_default_head, template_npz_bytes  # slow the first time: cut and cached

            _cached = template_npz_bytes(load_default_head())
        return _cached


@router.get(
    "",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "template npz"}},
)
def get_template() -> Response:
    return Response(
        default_head_npz(),
        media_type="application/octet-stream",
        headers={"Content-Disposition": 'attachment; filename="lipwright-head.npz"'},
    )
