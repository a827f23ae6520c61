"""The server answers only the holder of this launch's token, on a loopback Host, never a web page."""

import os
import stat
from pathlib import Path

import httpx
import pytest

from lipwright.wire import TOKEN_HEADER

ROUTES = [("GET", "/v1/health"), ("GET", "/v1/models"), ("GET", "/v1/template"), ("POST", "/v1/jobs"),
          ("GET", "/v1/jobs/1-abc"), ("GET", "/v1/jobs/1-abc/result"), ("POST", "/v1/jobs/1-abc/cancel")]


@pytest.mark.parametrize("method, path", ROUTES)
def test_every_route_needs_the_token(server, method, path):
    with httpx.Client(base_url=server.base_url) as anonymous:
        response = anonymous.request(method, path)
    assert response.status_code == 401
    assert f"missing {TOKEN_HEADER}" in response.json()["detail"]


def test_a_wrong_token_is_refused(server):
    with server.client(token="not-the-token") as http:
        response = http.get("/v1/health")
    assert response.status_code == 401
    assert "wrong" in response.json()["detail"] and "token file" in response.json()["detail"]


def test_a_token_that_is_not_ascii_is_refused_not_crashed(server):
    with httpx.Client(base_url=server.base_url) as http:
        response = http.get("/v1/health", headers={TOKEN_HEADER: "é".encode("latin-1")})
    assert response.status_code == 401


def test_the_right_token_is_let_in(client):
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json()["service"] == "lipwright"


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8080", "192.168.1.20", "127.0.0.1.nip.io"])
def test_a_foreign_host_header_is_refused(server, client, host):
    # DNS rebinding: a hostile name resolving to 127.0.0.1 still sends its own name as Host.
    response = client.get("/v1/health", headers={"Host": host})
    assert response.status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_host_names_are_accepted(server, client, host):
    response = client.get("/v1/health", headers={"Host": f"{host}:{server.ready['port']}"})
    assert response.status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:8080"])
def test_any_browser_origin_is_refused_even_with_the_token(client, origin):
    response = client.post("/v1/jobs", content=b"x", headers={"Origin": origin})
    assert response.status_code == 403
    assert "Origin" in response.json()["detail"]
    assert "access-control-allow-origin" not in response.headers


def test_cors_preflight_gets_nothing(client):
    response = client.options("/v1/jobs", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert response.status_code == 403
    assert not any(name.startswith("access-control-") for name in response.headers)


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_no_interactive_docs_are_served(client, path):
    assert client.get(path).status_code == 404


def test_the_token_file_is_private(server):
    token_file = Path(server.ready["token_file"])
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.stat().st_uid == os.getuid()
    assert stat.S_IMODE(token_file.parent.stat().st_mode) & 0o077 == 0
    assert len(server.token) >= 32
