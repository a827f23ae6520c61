"""Idle connections cannot lock the add-on out: a flood of sockets that never send a request, against a
server started with the common soft limit of 1024 open files, and a real request still answers."""

import socket
import time

import httpx

from lipwright.cli.serve_command import raise_open_file_limit
from lipwright.server.bounded_connections import MAX_OPEN_CONNECTIONS
from tests.server.server_process import start_server

IDLE_SOCKETS = 1100


def closed_by_the_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def test_a_thousand_idle_sockets_do_not_lock_out_a_real_request(tmp_path):
    raise_open_file_limit(IDLE_SOCKETS + 200)  # for this test's own sockets
    server = start_server("--device", "cpu", log_dir=tmp_path, open_file_limit=1024)
    idle = []
    try:
        for _ in range(IDLE_SOCKETS):
            try:
                idle.append(socket.create_connection(("127.0.0.1", server.ready["port"]), timeout=5))
            except OSError:
                pass  # a connect that times out counts as refused; the request below is what matters
        with server.client(timeout=httpx.Timeout(15.0)) as http:
            assert http.get("/v1/health").status_code == 200
        # Past the cap the oldest idle ones were shed; the rest go when their idle time runs out.
        for sock in idle:
            sock.setblocking(False)
        deadline = time.monotonic() + 30
        still_open = idle
        while still_open and time.monotonic() < deadline:
            still_open = [sock for sock in still_open if not closed_by_the_server(sock)]
            time.sleep(0.2)
        assert not still_open, f"{len(still_open)} idle connections were never closed by the server"
        assert len(idle) > MAX_OPEN_CONNECTIONS
    finally:
        for sock in idle:
            sock.close()
        assert server.stop() == 0, server.log()
