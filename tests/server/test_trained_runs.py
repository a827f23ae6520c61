"""A real server with a models folder lists its trained runs with their speakers, and jobs for one run
that wait together go through the model in one batched call, each with its own result."""

import shutil

import numpy as np
import pytest

from lipwright.wire import decode_result
from tests.models.tiny_run import SPEAKERS, make_tiny_run
from tests.server.server_process import start_server, submit, wait_for_state, wait_until_finished
from tests.speech import speak

LINES = ("Bob bought a map of the moon.", "Put the pot back.", "We ate apples by the sea, then we went home.")


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    make_tiny_run(models / "tiny-run")
    return models


@pytest.fixture(scope="module")
def run_server(models_dir, tmp_path_factory):
    running = start_server("--device", "cpu", "--models-dir", str(models_dir), "--max-waiting-jobs", "8",
                           with_test_models=True, log_dir=tmp_path_factory.mktemp("server-log"))
    yield running
    assert running.stop() == 0, running.log()


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> list[bytes]:
    folder = tmp_path_factory.mktemp("lines")
    return [speak(text, folder / f"line{index}.wav").read_bytes() for index, text in enumerate(LINES)]


@pytest.fixture()
def client(run_server):
    with run_server.client() as http:
        yield http
    assert run_server.process.poll() is None, run_server.log()


def test_the_run_is_listed_with_its_motion_space_template_and_speakers(client):
    models = {model["name"]: model for model in client.get("/v1/models").json()["models"]}
    run = models["tiny-run"]
    assert run["available"], run["reason"]
    assert (run["motion_space"], run["template"], run["speakers"]) == ("weights", "default-head", list(SPEAKERS))
    assert models["phonemes"]["speakers"] == []
    # How a line without a transcript may be heard: the phonemes model's modes, all runnable here (PyTorch is
    # installed); a trained run takes no such option.
    assert {mode["name"]: mode["available"] for mode in models["phonemes"]["recognition"]} == {
        "accurate": True, "fast": True, "network": True}
    assert run["recognition"] == []


def test_an_unknown_speaker_is_refused_naming_the_choices(client, lines):
    response = submit(client, lines[0], {"model": "tiny-run", "speaker": "nobody"})
    assert response.status_code == 422, response.text
    assert "has no speaker 'nobody'; choose one of spk-a, spk-b" in response.json()["detail"]


def test_waiting_jobs_for_one_run_share_one_batched_call_and_keep_their_own_results(client, lines):
    # A job for another model holds the queue while the run's jobs arrive, so all three wait together.
    blocker = submit(client, lines[0], {"model": "slow-loudness"}).json()["id"]
    wait_for_state(client, blocker, "running")
    # The longest line twice, in two styles, and a short line between them.
    audios, speakers = [lines[2], lines[1], lines[2]], ["spk-a", None, "spk-b"]
    ids = [submit(client, audio, {"model": "tiny-run", "fps": 25, "offsets": False}
                  | ({"speaker": speaker} if speaker else {})).json()["id"] for audio, speaker in zip(audios, speakers)]
    for job_id in [blocker, *ids]:
        assert wait_until_finished(client, job_id, timeout=300)[-1]["state"] == "done", client.get(f"/v1/jobs/{job_id}").json()
    results = [decode_result(client.get(f"/v1/jobs/{job_id}/result").content) for job_id in ids]
    for result, speaker in zip(results, speakers):
        assert result["meta"]["batched_with"] == 3  # one animate_many call for the three lines
        assert result["meta"]["speaker"] == speaker
        assert result["weights"].shape[1] == 52 and "offsets" not in result
        assert result["weights"].std(axis=0).max() > 0.01  # the tiny run moves with its line
    lengths = [len(result["weights"]) for result in results]
    assert lengths[0] == lengths[2] > lengths[1]  # each job got its own line back, at 25 fps
    assert np.abs(results[0]["weights"] - results[2]["weights"]).max() > 0.01  # and its own speaker's style

    # The longest line of the pass (never padded in it) alone, in the same style: the same motion.
    alone = submit(client, lines[2], {"model": "tiny-run", "fps": 25, "offsets": False, "speaker": "spk-b"}).json()["id"]
    assert wait_until_finished(client, alone, timeout=300)[-1]["state"] == "done"
    single = decode_result(client.get(f"/v1/jobs/{alone}/result").content)
    assert single["meta"]["batched_with"] == 1
    np.testing.assert_allclose(single["weights"], results[2]["weights"], atol=1e-4)
    # The short line, padded in the pass, alone: padding changes nothing (features are read at each
    # frame's own time, normalised over the line's own samples).
    short = submit(client, lines[1], {"model": "tiny-run", "fps": 25, "offsets": False}).json()["id"]
    assert wait_until_finished(client, short, timeout=300)[-1]["state"] == "done"
    np.testing.assert_allclose(decode_result(client.get(f"/v1/jobs/{short}/result").content)["weights"],
                               results[1]["weights"], atol=1e-4)


def test_a_run_job_gives_offsets_on_the_default_head(client, lines):
    job = submit(client, lines[1], {"model": "tiny-run", "speaker": "spk-a"}).json()["id"]
    assert wait_until_finished(client, job, timeout=300)[-1]["state"] == "done"
    result = decode_result(client.get(f"/v1/jobs/{job}/result").content)
    assert result["offsets"].shape == (len(result["weights"]), *result["rest"].shape)
    assert "chin" in result["landmarks"]


def test_a_run_copied_in_while_the_server_runs_is_listed_and_runs(client, models_dir, lines):
    shutil.copytree(models_dir / "tiny-run", models_dir / "copied-run" / "best")
    models = {model["name"]: model for model in client.get("/v1/models").json()["models"]}
    assert models["copied-run"]["available"] and models["copied-run"]["speakers"] == list(SPEAKERS)
    job = submit(client, lines[1], {"model": "copied-run", "offsets": False}).json()["id"]
    assert wait_until_finished(client, job, timeout=300)[-1]["state"] == "done"
