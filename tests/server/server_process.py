"""Start a real `lipwright serve` in a subprocess, read its ready line, and talk to it with httpx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

from lipwright.wire import READY_PREFIX, TOKEN_HEADER, encode_request

HERE = Path(__file__).parent


@dataclass
class RunningServer:
    process: subprocess.Popen
    ready: dict
    token: str
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ready['port']}"

    def client(self, token: str | None = None, **kwargs) -> httpx.Client:
        import httpx  # here, so that the add-on's tests (bpy's Python, no httpx) can start servers too

        headers = {TOKEN_HEADER: self.token if token is None else token}
        kwargs.setdefault("timeout", 60.0)
        return httpx.Client(base_url=self.base_url, headers=headers, **kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        """As the add-on does: close our end of its stdin, wait; terminate, wait; kill."""
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    return self.process.wait(5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
        return self.process.wait()


def start_server(*serve_args: str, log_dir: Path, with_test_models: bool = False, timeout: float = 60.0,
                 open_file_limit: int | None = None, python: str = sys.executable) -> RunningServer:
    """`python -m lipwright serve --port 0 --watch-stdin ARGS`, its stderr in a file in `log_dir`;
    with_test_models runs the same command through serve_with_test_models.py, which registers
    tiny_models first; open_file_limit starts it with that soft RLIMIT_NOFILE (1024 is common); python is
    the interpreter with the backend's dependencies (the add-on's tests run under bpy's)."""
    if with_test_models:
        command = [python, str(HERE / "serve_with_test_models.py")]
    else:
        command = [python, "-m", "lipwright"]
    command += ["serve", "--port", "0", "--watch-stdin", *serve_args]
    log_file = tempfile.NamedTemporaryFile("wb", dir=log_dir, prefix="serve-", suffix=".log", delete=False)
    preexec = None if open_file_limit is None else (lambda: lower_open_file_limit(open_file_limit))
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file, text=True,
                               preexec_fn=preexec)
    log_file.close()
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line or line.startswith(READY_PREFIX):
            break
    if not line.startswith(READY_PREFIX):
        process.kill()
        raise RuntimeError(f"the server printed no ready line; stderr:\n{Path(log_file.name).read_text()}")
    ready = json.loads(line[len(READY_PREFIX):])
    token = Path(ready["token_file"]).read_text()
    return RunningServer(process, ready, token, Path(log_file.name))


def lower_open_file_limit(soft: int) -> None:
    """Lower this process's soft limit on open files to `soft`, as many systems set it."""
    import resource

    current, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if current == resource.RLIM_INFINITY or current > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def submit(client: httpx.Client, audio: bytes, options: dict | None = None, mesh=None) -> httpx.Response:
    arrays = {} if mesh is None else {"vertices": mesh[0], "faces_flat": mesh[1], "face_sizes": mesh[2]}
    body = encode_request(audio, options or {}, **arrays)
    return client.post("/v1/jobs", content=body, headers={"Content-Type": "application/octet-stream"})


def wait_until_finished(client: httpx.Client, job_id: str, timeout: float = 120.0) -> list[dict]:
    """Poll the job until it finishes; returns every status seen, the last one finished."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        seen.append(response.json())
        if seen[-1]["state"] in ("done", "failed", "cancelled"):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s; last status {seen[-1]}")


def wait_for_state(client: httpx.Client, job_id: str, state: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/v1/jobs/{job_id}").json()
        if status["state"] == state:
            return status
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never became {state}; last status {status}")


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
