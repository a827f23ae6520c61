"""The add-on's job runner against a real backend that stops answering for a while (SIGSTOP, as a
swapping or paused machine would): silence is waited out, not taken for a failed job; only a long
silence ends the job, with a message that says what to do."""

import os
import signal
import subprocess
import threading
import time

import pytest

from blender_addon import job_runner
from blender_addon.client import Client
from blender_addon.wire import encode_request
from tests.server.server_process import start_server

BACKEND_PYTHON = os.environ.get("LIPWRIGHT_BACKEND_PYTHON", str(job_runner.__file__).rsplit("/blender_addon/", 1)[0]
                                + "/.venv/bin/python")


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    server = start_server("--device", "cpu", with_test_models=True, python=BACKEND_PYTHON,
                          log_dir=tmp_path_factory.mktemp("server-log"))
    yield server
    server.process.send_signal(signal.SIGCONT)
    assert server.stop() == 0, server.log()


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("speech") / "line.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "Bob bought a map of the moon."], check=True)
    return path.read_bytes()


def start_job(backend, speech, model: str) -> job_runner.Job:
    client = Client(backend.base_url, backend.token, timeout=0.5)
    job = job_runner.Job(job_runner.JobSpec(encode_request(speech, {"model": model}), "Scene", "Face", "Lipwright", 1))
    threading.Thread(target=job_runner.run_job, args=(job, lambda: client), daemon=True).start()
    deadline = time.monotonic() + 60
    while job.state != "running" and not job.done:
        assert time.monotonic() < deadline, job.message
        time.sleep(0.01)
    return job


def pause(backend, seconds: float) -> None:
    backend.process.send_signal(signal.SIGSTOP)
    try:
        time.sleep(seconds)
    finally:
        backend.process.send_signal(signal.SIGCONT)


def test_a_backend_that_stops_answering_for_a_while_is_waited_for(backend, speech):
    job = start_job(backend, speech, "slow-loudness")
    messages = []
    watcher = threading.Thread(target=lambda: [messages.append(job.message) or time.sleep(0.1) for _ in range(30)])
    watcher.start()
    pause(backend, 3.0)  # six times the client's timeout
    watcher.join()
    assert job.finished.wait(60)
    assert job.state == "done", job.error
    assert any(message.startswith("Waiting for the backend to answer") for message in messages)
    assert job.decoded["offsets"].shape[0] > 0


def test_only_a_long_silence_fails_the_job_with_a_clear_message(backend, speech, monkeypatch):
    monkeypatch.setattr(job_runner, "SILENCE_LIMIT_SECONDS", 1.5)
    job = start_job(backend, speech, "slow-loudness")
    pause(backend, 4.0)
    assert job.finished.wait(60)
    assert job.state == "failed"
    assert "has not answered for" in job.error and "Stop Backend" in job.error
