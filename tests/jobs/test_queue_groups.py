"""JobQueue groups: waiting jobs of one group run in one call, each keeping its own result and outcome."""

import threading

import pytest

from lipwright.errors import AudioError
from lipwright.jobs.queue import GroupableWork, JobQueue, JobState
from tests.jobs.test_queue import gated, wait_until_running


@pytest.fixture()
def queue():
    jobs = JobQueue(max_waiting=16, max_group=3)
    yield jobs
    jobs.close()


class Recorder:
    """run_together that records each call's items; an item 'bad' fails its own job only."""

    def __init__(self, gate: threading.Event | None = None):
        self.calls, self.gate = [], gate

    def __call__(self, items, contexts):
        self.calls.append(list(items))
        for context in contexts:
            context(0.5, f"running {len(items)} together")
        if self.gate is not None:
            while not self.gate.wait(0.01):
                for context in contexts:
                    try:
                        context(0.6, "waiting for the gate")
                    except Exception:
                        pass  # one job's cancel must not stop the others
        return [AudioError(f"{item} is silent") if item == "bad" else item.encode() for item in items]


def work(recorder, group, item):
    return GroupableWork(group=group, item=item, run_together=recorder)


def test_waiting_jobs_of_a_group_run_together_in_order_up_to_the_bound(queue):
    gate, recorder = threading.Event(), Recorder()
    blocker = queue.submit(gated(gate)).id
    wait_until_running(queue, blocker)
    ids = [queue.submit(work(recorder, "model-a", f"line {n}")).id for n in range(4)]
    other = queue.submit(work(recorder, "model-b", "other")).id
    alone = queue.submit(lambda context: b"plain").id
    gate.set()
    for job_id in [*ids, other, alone]:
        assert queue.wait(job_id, 10).state is JobState.DONE
    assert recorder.calls == [["line 0", "line 1", "line 2"], ["line 3"], ["other"]]
    assert [queue.result(job_id).read_bytes() for job_id in ids] == [b"line 0", b"line 1", b"line 2", b"line 3"]
    assert queue.result(alone).read_bytes() == b"plain"


def test_one_jobs_error_fails_it_alone(queue):
    gate, recorder = threading.Event(), Recorder()
    blocker = queue.submit(gated(gate)).id
    wait_until_running(queue, blocker)
    good, bad = (queue.submit(work(recorder, "model-a", item)).id for item in ("fine", "bad"))
    gate.set()
    assert queue.wait(good, 10).state is JobState.DONE
    failed = queue.wait(bad, 10)
    assert failed.state is JobState.FAILED and failed.error == "bad is silent"


def test_a_group_that_fails_as_a_whole_fails_every_job_in_it(queue):
    def broken(items, contexts):
        raise AudioError("the worker died")

    gate = threading.Event()
    blocker = queue.submit(gated(gate)).id
    wait_until_running(queue, blocker)
    ids = [queue.submit(GroupableWork("model-a", n, broken)).id for n in range(2)]
    gate.set()
    assert [queue.wait(job_id, 10).error for job_id in ids] == ["the worker died"] * 2


def test_cancelling_one_running_job_of_a_group_spares_the_others(queue):
    gate = threading.Event()
    recorder = Recorder(gate)
    blocker = queue.submit(gated(threading.Event())).id  # never opens: cancelled below
    wait_until_running(queue, blocker)
    ids = [queue.submit(work(recorder, "model-a", f"line {n}")).id for n in range(2)]
    queue.cancel(blocker)
    wait_until_running(queue, ids[0])
    assert queue.status(ids[1]).state is JobState.RUNNING  # started with the first
    queue.cancel(ids[0])
    gate.set()
    assert queue.wait(ids[0], 10).state is JobState.CANCELLED
    assert queue.wait(ids[1], 10).state is JobState.DONE
    assert queue.result(ids[1]).read_bytes() == b"line 1"
