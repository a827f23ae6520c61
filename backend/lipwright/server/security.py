"""The defences of a trusted local server: a per-launch token, a Host allow-list, no browsers.

Any web page the user visits can make the browser send requests to 127.0.0.1 (cross-site posts), and
DNS rebinding can make a hostile name resolve to it; the Host allow-list stops the second, refusing
every request that carries an Origin header stops the first, and the token stops everything else.
"""

import json
import secrets

from fastapi import Request

from ..wire import TOKEN_HEADER
from .problems import Problem


def new_token() -> str:
    return secrets.token_urlsafe(32)


def require_token(request: Request) -> None:
    """FastAPI dependency: the request must carry this launch's token in the TOKEN_HEADER header."""
    expected: str = request.app.state.settings.token
    given = request.headers.get(TOKEN_HEADER)
    if given is None:
        raise Problem(
            401,
            f"missing {TOKEN_HEADER} header: every request needs the token that `lipwright serve` "
            "wrote to its token file",
        )
    # Constant-time comparison of bytes (compare_digest refuses non-ASCII str).
    if not secrets.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8")):
        raise Problem(
            401,
            f"wrong {TOKEN_HEADER}: the token changes at every launch; read it again from the token file "
            "named in the server's ready line",
        )


class RefuseBrowserOrigin:
    """ASGI middleware: refuse any request with an Origin header (403). Browsers add Origin to
    cross-site requests; the Blender add-on and scripts never send it. No CORS is ever granted."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket") and any(name == b"origin" for name, _ in scope["headers"]):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            body = json.dumps({
                "detail": "requests from web pages are refused (the request has an Origin header); "
                "this server only answers the Lipwright add-on and local scripts",
            }).encode()
            await send({
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            })
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
