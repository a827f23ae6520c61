"""Jobs through the real server: submit real speech, follow progress, fetch the result, cancel, survive crashes."""

import io
import time

import numpy as np
import pytest

from lipwright import wire
from lipwright.audio.clip import frame_count
from lipwright.motion.arkit import ARKIT_NAMES
from tests.server.server_process import submit, wait_for_state, wait_until_finished


def finished_job(client, audio, options, mesh=None) -> tuple[dict, list[dict]]:
    response = submit(client, audio, options, mesh)
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/v1/jobs/{response.json()['id']}"
    statuses = wait_until_finished(client, response.json()["id"])
    return statuses[-1], statuses


def test_health_says_version_device_and_limits(client):
    health = client.get("/v1/health").json()
    assert health["version"] and health["api_version"] == "v1"
    assert health["device"] == "cpu"
    assert health["limits"]["max_audio_seconds"] == 20 and health["limits"]["max_frame_vertices"] == 12_000_000
    assert set(health["jobs"]) == {"queued", "running", "done", "failed", "cancelled"}


def test_models_lists_the_default_and_registered_models(client):
    listing = client.get("/v1/models").json()
    assert listing["default"] == "phonemes"
    models = {model["name"]: model for model in listing["models"]}
    assert {"phonemes", "loudness"} <= set(models)
    assert models["phonemes"]["weights_needed"] is False


def test_real_speech_becomes_a_result_with_progress(client, spoken_line):
    status, seen = finished_job(client, spoken_line, {"model": "slow-loudness", "fps": 24})
    assert status["state"] == "done" and status["error"] is None
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert any(0.0 < p < 1.0 for p in progress), "progress was never seen part-way"
    assert any(s["state"] == "running" and "measuring loudness" in s["message"] for s in seen)

    response = client.get(status["result_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    result = wire.decode_result(response.content)
    seconds = result["meta"]["audio_seconds"]
    assert 1.0 < seconds < 5.0
    assert result["offsets"].shape == (frame_count(seconds, 24), 6, 3)
    assert result["fps"] == 24
    assert result["weight_names"] == list(ARKIT_NAMES)
    assert set(wire.REQUIRED_LANDMARKS) <= set(result["landmarks"])
    assert result["meta"]["device"] == "cpu" and result["meta"]["compute_seconds"] > 0
    jaw = result["weights"][:, ARKIT_NAMES.index("jawOpen")]
    assert jaw.max() == pytest.approx(1.0) and jaw.min() < 0.2, "the jaw should follow the speech's loudness"


def test_offsets_come_on_the_mesh_that_was_sent(client, spoken_line):
    grid = np.stack(np.meshgrid(np.arange(10.0), [0.0], np.arange(10.0)), -1).reshape(-1, 3).astype(np.float32)
    quads = np.array([[r * 10 + c, r * 10 + c + 1, r * 10 + c + 11, r * 10 + c + 10]
                      for r in range(9) for c in range(9)], dtype=np.int32)
    mesh = (grid, quads.ravel(), np.full(len(quads), 4, dtype=np.int32))
    status, _ = finished_job(client, spoken_line, {"model": "loudness"}, mesh)
    result = wire.decode_result(client.get(status["result_url"]).content)
    assert result["offsets"].shape[1:] == (100, 3)
    np.testing.assert_array_equal(result["rest"], grid)


def test_the_result_is_refused_until_the_job_is_done(client, spoken_line):
    job_id = submit(client, spoken_line, {"model": "slow-loudness"}).json()["id"]
    response = client.get(f"/v1/jobs/{job_id}/result")
    assert response.status_code == 409
    assert "not ready yet" in response.json()["detail"]
    client.post(f"/v1/jobs/{job_id}/cancel")
    wait_until_finished(client, job_id)


def test_cancel_stops_a_running_job_at_its_next_step(client, spoken_line):
    job_id = submit(client, spoken_line, {"model": "slow-loudness"}).json()["id"]
    wait_for_state(client, job_id, "running")
    asked = time.monotonic()
    assert client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    status = wait_until_finished(client, job_id)[-1]
    assert status["state"] == "cancelled"
    assert time.monotonic() - asked < 1.5, "cancel should land within a step or two (50 ms each)"
    response = client.get(f"/v1/jobs/{job_id}/result")
    assert response.status_code == 409 and "cancelled" in response.json()["detail"]


def test_cancel_drops_a_queued_job_at_once_and_the_queue_goes_on(client, spoken_line):
    first = submit(client, spoken_line, {"model": "slow-loudness"}).json()["id"]
    second = submit(client, spoken_line, {"model": "loudness"}).json()
    assert second["state"] == "queued"
    cancelled = client.post(f"/v1/jobs/{second['id']}/cancel").json()
    assert cancelled["state"] == "cancelled"
    assert wait_until_finished(client, first)[-1]["state"] == "done"


def test_a_full_queue_answers_429(client, spoken_line):
    running = submit(client, spoken_line, {"model": "slow-loudness"}).json()["id"]
    wait_for_state(client, running, "running")
    waiting = [submit(client, spoken_line, {"model": "loudness"}) for _ in range(2)]
    assert [r.status_code for r in waiting] == [202, 202]
    assert [r.json()["position"] for r in waiting] == [0, 1]
    refused = submit(client, spoken_line, {"model": "loudness"})
    assert refused.status_code == 429
    assert "already waiting" in refused.json()["detail"]
    for job_id in [running] + [r.json()["id"] for r in waiting]:
        client.post(f"/v1/jobs/{job_id}/cancel")
        wait_until_finished(client, job_id)


def test_a_crashing_model_fails_its_job_and_the_next_job_succeeds(client, spoken_line):
    status, _ = finished_job(client, spoken_line, {"model": "crashing"})
    assert status["state"] == "failed"
    assert status["error"].startswith("internal error in the model: ZeroDivisionError")
    assert client.get(f"/v1/jobs/{status['id']}/result").status_code == 409

    after, _ = finished_job(client, spoken_line, {"model": "loudness"})
    assert after["state"] == "done"
    assert client.get("/v1/health").json()["jobs"]["failed"] >= 1


def test_an_error_meant_for_the_user_reaches_them_as_it_is(client, spoken_line):
    status, _ = finished_job(client, spoken_line, {"model": "refusing"})
    assert status["state"] == "failed"
    assert status["error"] == "the transcript does not match the speech; check its words"


def test_unknown_jobs_are_404(client):
    for method, path in [("GET", "/v1/jobs/9999-nope"), ("GET", "/v1/jobs/9999-nope/result"),
                         ("POST", "/v1/jobs/9999-nope/cancel")]:
        response = client.request(method, path)
        assert response.status_code == 404
        assert "no job with id" in response.json()["detail"]


def test_the_phonemes_model_animates_the_default_head(client, spoken_line):
    """End to end on the embedded default (needs lipwright.models.phonemes and the template)."""
    status, _ = finished_job(client, spoken_line, {"model": "phonemes", "fps": 30,
                                                   "transcript": "Bob bought a map of the moon."})
    assert status["state"] == "done", status["error"]
    result = wire.decode_result(client.get(status["result_url"]).content)
    frames, vertices, _ = result["offsets"].shape
    assert frames == frame_count(result["meta"]["audio_seconds"], 30)
    assert result["rest"].shape == (vertices, 3) and vertices > 1000
    assert result["weights"].shape == (frames, 52) and result["weight_names"] == list(ARKIT_NAMES)
    assert set(wire.REQUIRED_LANDMARKS) <= set(result["landmarks"])
    assert result["meta"]["model"] == "phonemes"
    assert np.abs(result["offsets"]).max() > 1e-3, "the face should move while the line is spoken"


def test_the_default_head_template_is_served(client):
    response = client.get("/v1/template")
    assert response.status_code == 200, response.text
    with np.load(io.BytesIO(response.content), allow_pickle=False) as npz:
        keys = set(npz.files)
        assert {"vertices", "faces_flat", "face_sizes", "targets", "target_names"} <= keys
        assert npz["targets"].shape[0] == 52
