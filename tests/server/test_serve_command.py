"""`lipwright serve` as the add-on runs it: the ready line, the private token file, and every way it stops."""

import asyncio
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from lipwright import __version__
from lipwright.cli.serve_command import bind_socket
from lipwright.server.settings import allowed_hosts_for, is_loopback
from lipwright.wire import TOKEN_HEADER
from tests.server.server_process import start_server


def test_the_ready_line_names_port_host_token_file_pid_and_version(tmp_path):
    server = start_server("--device", "cpu", log_dir=tmp_path)
    try:
        assert set(server.ready) == {"port", "host", "token_file", "pid", "version"}
        assert server.ready["host"] == "127.0.0.1" and server.ready["port"] > 0
        assert server.ready["pid"] == server.process.pid and server.ready["version"] == __version__
        token_file = Path(server.ready["token_file"])
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
        with server.client() as http:
            assert http.get("/v1/health").json()["pid"] == server.process.pid
    finally:
        code = server.stop()
    # Closing stdin (the parent died) stops it cleanly and the token goes with it.
    assert code == 0, server.log()
    assert not token_file.exists()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_stops_it_cleanly_and_removes_the_token_file(tmp_path, stop_signal):
    server = start_server("--device", "cpu", log_dir=tmp_path)
    token_file = Path(server.ready["token_file"])
    server.process.send_signal(stop_signal)
    assert server.process.wait(15) == 0, server.log()
    assert not token_file.exists()


def test_an_explicit_token_file_is_written_privately_and_removed(tmp_path):
    token_file = tmp_path / "tokens" / "lipwright.token"
    server = start_server("--device", "cpu", "--token-file", str(token_file), log_dir=tmp_path)
    try:
        assert server.ready["token_file"] == str(token_file)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        with httpx.Client(base_url=server.base_url, headers={TOKEN_HEADER: token_file.read_text()}) as http:
            assert http.get("/v1/health").status_code == 200
    finally:
        assert server.stop() == 0
    assert not token_file.exists()


def test_every_launch_has_a_fresh_token(tmp_path):
    first = start_server("--device", "cpu", log_dir=tmp_path)
    second = start_server("--device", "cpu", log_dir=tmp_path)
    try:
        assert first.token != second.token and first.ready["port"] != second.ready["port"]
        with first.client(token=second.token) as http:
            assert http.get("/v1/health").status_code == 401
    finally:
        first.stop(), second.stop()


def test_a_busy_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run([sys.executable, "-m", "lipwright", "serve", "--device", "cpu", "--port", str(port)],
                                   capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in completed.stderr and "--port 0" in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_one_clear_line(port):
    completed = subprocess.run([sys.executable, "-m", "lipwright", "serve", "--device", "cpu", "--port", port],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.strip() == f"lipwright: error: --port {port} is not a port number; use 1-65535, or 0 for a free port"


def test_accepted_connections_get_tcp_nodelay():
    """The server's own listening socket, served by asyncio as uvicorn serves it: each accepted
    connection must have Nagle's algorithm off, or every keep-alive request waits ~40 ms."""
    async def accepted_nodelay() -> int:
        listening = bind_socket("127.0.0.1", 0)
        seen = asyncio.get_running_loop().create_future()

        def on_connection(reader, writer):
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connection, sock=listening)
        async with server:
            reader, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            value = await asyncio.wait_for(seen, 10)
            writer.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0


def test_loopback_is_told_apart_and_explicit_hosts_are_allowed():
    assert all(is_loopback(host) for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.1.1"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "192.168.1.5", "gpu-box"))
    assert allowed_hosts_for("127.0.0.1") == ("127.0.0.1", "localhost", "[::1]")
    assert allowed_hosts_for("0.0.0.0", ("gpu-box",)) == ("127.0.0.1", "localhost", "[::1]", "gpu-box")
    assert allowed_hosts_for("fe80::1")[-1] == "[fe80::1]"
