"""Models run in worker processes: the server answers while a model holds the GIL, a cancel ends a model
that never reports progress, and a crash in native code costs one job, not the server."""

import time

import httpx

from lipwright import wire
from tests.server.server_process import is_running, submit, wait_for_state, wait_until_finished


def test_the_model_runs_in_another_process_than_the_server(server, client, spoken_line):
    job_id = submit(client, spoken_line, {"model": "loudness"}).json()["id"]
    status = wait_until_finished(client, job_id)[-1]
    assert status["state"] == "done", status["error"]
    meta = wire.decode_result(client.get(status["result_url"]).content)["meta"]
    assert meta["worker_pid"] != server.process.pid
    assert is_running(meta["worker_pid"]), "the worker stays up for the next job"


def test_health_answers_at_once_while_a_model_holds_the_gil_and_cancel_ends_it(server, client, spoken_line):
    job_id = submit(client, spoken_line, {"model": "gil-holding"}).json()["id"]
    wait_for_state(client, job_id, "running")
    while client.get(f"/v1/jobs/{job_id}").json()["message"] != "holding the GIL":
        time.sleep(0.02)
    time.sleep(0.2)  # well inside the regex by now
    with server.client(timeout=httpx.Timeout(2.0)) as quick:  # a generous bound: "answers", not "fast"
        for _ in range(5):
            assert quick.get("/v1/health").status_code == 200
            assert quick.get(f"/v1/jobs/{job_id}").json()["state"] == "running"
    assert client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    # The model never reports again, so only ending its process can stop it (minutes otherwise).
    status = wait_until_finished(client, job_id, timeout=20)[-1]
    assert status["state"] == "cancelled"
    after = submit(client, spoken_line, {"model": "loudness"}).json()["id"]
    assert wait_until_finished(client, after)[-1]["state"] == "done"


def test_a_crash_in_native_code_fails_one_job_and_the_server_and_the_next_jobs_go_on(server, client, spoken_line):
    crashed = submit(client, spoken_line, {"model": "aborting"}).json()["id"]
    waiting = submit(client, spoken_line, {"model": "loudness"}).json()["id"]
    status = wait_until_finished(client, crashed)[-1]
    assert status["state"] == "failed"
    assert "worker process was killed by SIGABRT" in status["error"]
    assert "starts a fresh worker" in status["error"]
    assert server.process.poll() is None
    assert wait_until_finished(client, waiting)[-1]["state"] == "done"
    # The same model again gets a fresh worker (and crashes again, alone).
    again = submit(client, spoken_line, {"model": "aborting"}).json()["id"]
    assert "SIGABRT" in wait_until_finished(client, again)[-1]["error"]
    assert client.get("/v1/health").status_code == 200
