"""GET /v1/template: the default head as template npz bytes, for the add-on's "Add Lipwright head"."""

import tempfile
import threading
from pathlib import Path

from fastapi import APIRouter, Response

router = APIRouter(prefix="/template", tags=["template"])

_cached: bytes | None = None
_lock = threading.Lock()


def default_head_npz() -> bytes:
    """Prepared once per server: the template does not change while it runs."""
    global _cached
    with _lock:
        if _cached is None:
            from ...template import load_default_head, write_template_npz  # slow the first time: cut and cached

            with tempfile.TemporaryDirectory(prefix="lipwright-template-") as folder:
                path = Path(folder) / "head.npz"
                write_template_npz(load_default_head(), path)
                _cached = path.read_bytes()
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
