"""Soak: a few dozen mixed jobs, cancels and bad requests against one server while another thread polls
/health. The server always answers (every poll within a generous 1 s), no job is lost (each ends in the
state its model leads to), and the server's memory comes back near its idle level. Loopback only, bounded
(about a minute at most), and it stops by itself."""

import random
import threading
import time
from pathlib import Path

import httpx

from lipwright.wire import TOKEN_HEADER
from tests.server.server_process import start_server, submit, wait_for_state, wait_until_finished
from tests.speech import speak

LINES = ["Bob bought a map of the moon.", "Five wise owls flew over the valley.",
         "Should we check the fridge for cheese?", "Judy showed the zoo a huge blue jewel."]
HEALTH_TIMEOUT_SECONDS = 1.0
RSS_GROWTH_LIMIT_BYTES = 150 * 1024 * 1024


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


class HealthPoller(threading.Thread):
    """Polls /v1/health until stopped; keeps every poll's latency and every failure."""

    def __init__(self, server) -> None:
        super().__init__(daemon=True, name="health-poller")
        self.server, self.latencies, self.failures = server, [], []
        self.stopping = threading.Event()

    def run(self) -> None:
        with self.server.client(timeout=httpx.Timeout(HEALTH_TIMEOUT_SECONDS)) as http:
            while not self.stopping.wait(0.05):
                started = time.monotonic()
                try:
                    status = http.get("/v1/health").status_code
                except httpx.HTTPError as error:
                    self.failures.append(f"{type(error).__name__} after {time.monotonic() - started:.2f} s")
                    continue
                self.latencies.append(time.monotonic() - started)
                if status != 200:
                    self.failures.append(f"status {status}")


def child_pids(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def expected_end(model: str, cancelled: bool) -> set[str]:
    if model in ("crashing", "aborting", "refusing"):
        return {"failed"} | ({"cancelled"} if cancelled else set())
    return {"cancelled", "done"} if cancelled else {"done"}


def test_mixed_jobs_cancels_and_bad_requests_while_health_always_answers(tmp_path):
    speech = [speak(text, tmp_path / f"line{i}.wav").read_bytes() for i, text in enumerate(LINES)]
    server = start_server("--device", "cpu", "--max-waiting-jobs", "64", with_test_models=True, log_dir=tmp_path)
    poller = HealthPoller(server)
    try:
        with server.client() as http:
            # Warm up: every model's worker started once, so the idle level includes what stays loaded.
            for model in ("phonemes", "loudness", "slow-loudness", "crashing", "refusing"):
                warm = submit(http, speech[0], {"model": model}).json()["id"]
                wait_until_finished(http, warm)
            idle_rss = rss_bytes(server.process.pid)
            poller.start()

            rng = random.Random(7)
            plan = (["phonemes"] * 8 + ["loudness"] * 12 + ["slow-loudness"] * 6 + ["crashing"] * 3
                    + ["refusing"] * 2 + ["aborting"] * 1)
            rng.shuffle(plan)
            jobs = []  # (id, model, cancelled)
            for index, model in enumerate(plan):
                options = {"model": model, "fps": rng.choice([24, 30, 60])}
                if model == "phonemes" and index % 2:
                    options["transcript"] = LINES[index % len(LINES)]
                response = submit(http, speech[index % len(speech)], options)
                assert response.status_code == 202, response.text
                jobs.append((response.json()["id"], model, False))
                if index % 5 == 0:  # a bad request now and then, answered at once and queueing nothing
                    bad = http.post("/v1/jobs", content=b"not an npz", headers={"Content-Type": "application/octet-stream"})
                    assert bad.status_code == 400, bad.text
                    unknown = submit(http, speech[0], {"model": "no-such-model"})
                    assert unknown.status_code == 422, unknown.text
                    stranger = http.get("/v1/models", headers={TOKEN_HEADER: "not-the-token"})
                    assert stranger.status_code == 401, stranger.text
            # Cancel some: queued ones are dropped, a running one stops.
            for position in range(0, len(jobs), 4):
                job_id, model, _ = jobs[position]
                assert http.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
                jobs[position] = (job_id, model, True)
            running_cancel = submit(http, speech[1], {"model": "slow-loudness"}).json()["id"]
            jobs.append((running_cancel, "slow-loudness", True))
            wait_for_state(http, running_cancel, "running", timeout=60)
            http.post(f"/v1/jobs/{running_cancel}/cancel")

            ends = {}
            for job_id, model, cancelled in jobs:
                final = wait_until_finished(http, job_id, timeout=60)[-1]
                ends[job_id] = final["state"]
                assert final["state"] in expected_end(model, cancelled), (model, cancelled, final)
                if final["state"] == "done":
                    result = http.get(final["result_url"])
                    assert result.status_code == 200 and len(result.content) > 0
            assert ends[running_cancel] == "cancelled"
            assert len(ends) == len(jobs), "every job submitted is accounted for"
            counts = http.get("/v1/health").json()["jobs"]
            assert counts["queued"] == counts["running"] == 0
        poller.stopping.set()
        poller.join(5)
        assert not poller.failures, f"/health did not answer within {HEALTH_TIMEOUT_SECONDS} s: {poller.failures}"
        assert len(poller.latencies) > 20
        end_rss = rss_bytes(server.process.pid)
        workers = child_pids(server.process.pid)
        assert len(workers) >= 5, "one worker process per model used"
        assert end_rss - idle_rss < RSS_GROWTH_LIMIT_BYTES, (
            f"the server grew from {idle_rss / 2**20:.0f} MiB idle to {end_rss / 2**20:.0f} MiB")
    finally:
        poller.stopping.set()
        assert server.stop() == 0, server.log()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "worker processes outlived the server"
