"""ModelWorkers: each model in its own spawned process, which writes the result file itself, survives
bugs, is replaced after a crash, and is ended when it ignores a cancel."""

import io
import os
import threading
import time

import numpy as np
import pytest
import soundfile

from lipwright import wire
from lipwright.audio.clip import frame_count
from lipwright.errors import JobCancelled, LipwrightError
from lipwright.jobs.animation_job import prepare_animation
from lipwright.jobs.model_worker import ModelWorkers
from lipwright.jobs.queue import JobContext
from tests.server.tiny_models import register_test_models

RATE = 16000


@pytest.fixture(scope="module")
def workers():
    register_test_models()  # here for the options check, in each worker through `setup`
    pool = ModelWorkers("cpu", cancel_grace=0.5, setup=register_test_models)
    yield pool
    pool.close()
    assert pool.pids() == {}


def prepared(model: str):
    t = np.arange(RATE) / RATE
    buffer = io.BytesIO()
    soundfile.write(buffer, (0.3 * np.sin(2 * np.pi * 220 * t) * (t > 0.5)).astype(np.float32), RATE, format="WAV")
    return prepare_animation(wire.encode_request(buffer.getvalue(), {"model": model, "fps": 25}))


def context(tmp_path, name: str = "job") -> tuple[JobContext, list, threading.Event]:
    reports, cancel = [], threading.Event()
    return JobContext(lambda fraction, message: reports.append((fraction, message)), cancel,
                      tmp_path / f"{name}.npz"), reports, cancel


def test_a_job_runs_in_the_models_own_process_which_writes_the_result(workers, tmp_path):
    job, reports, _ = context(tmp_path, "first")
    path = workers.run(prepared("slow-loudness"), job)
    assert path == job.result_path
    result = wire.decode_result(path.read_bytes())
    assert result["offsets"].shape[0] == frame_count(1.0, 25)
    assert result["meta"]["worker_pid"] == workers.pids()["slow-loudness"]
    assert len(reports) >= 40 and reports[-1][0] == 1.0
    again, _, _ = context(tmp_path, "second")
    workers.run(prepared("slow-loudness"), again)
    assert wire.decode_result(again.result_path.read_bytes())["meta"]["worker_pid"] == result["meta"]["worker_pid"]


def test_a_bug_fails_the_job_and_the_worker_goes_on(workers, tmp_path):
    job, _, _ = context(tmp_path)
    with pytest.raises(LipwrightError, match="internal error in the model: ZeroDivisionError"):
        workers.run(prepared("crashing"), job)
    pid = workers.pids()["crashing"]
    with pytest.raises(LipwrightError, match="ZeroDivisionError"):
        workers.run(prepared("crashing"), context(tmp_path)[0])
    assert workers.pids()["crashing"] == pid
    assert not job.result_path.exists()


def test_a_crashed_worker_fails_its_job_and_a_fresh_one_takes_the_next(workers, tmp_path):
    with pytest.raises(LipwrightError, match="worker process was killed by SIGABRT"):
        workers.run(prepared("aborting"), context(tmp_path)[0])
    assert "aborting" not in workers.pids()
    with pytest.raises(LipwrightError, match="SIGABRT"):
        workers.run(prepared("aborting"), context(tmp_path)[0])


def test_a_cancel_the_model_ignores_ends_its_process(workers, tmp_path):
    job, reports, cancel = context(tmp_path)
    outcome = []

    def run():
        try:
            workers.run(prepared("gil-holding"), job)
        except JobCancelled as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    # Cancel only once the model is inside its C call: a cancel that arrives before its last report
    # is honoured cooperatively, and the process rightly lives on.
    while not any(message == "holding the GIL" for _, message in reports):
        time.sleep(0.01)
    pid = workers.pids()["gil-holding"]
    cancel.set()
    thread.join(30)
    assert not thread.is_alive() and len(outcome) == 1
    assert "gil-holding" not in workers.pids()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
