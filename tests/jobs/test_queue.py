"""JobQueue with real callables: order, progress, cancel, failures that spare the worker, bounded memory."""

import stat
import threading
import time

import pytest

from lipwright.errors import AudioError, JobCancelled
from lipwright.jobs.queue import JobNotDone, JobQueue, JobState, QueueFull, UnknownJob


@pytest.fixture()
def queue():
    jobs = JobQueue(max_waiting=4, keep_finished=64)
    yield jobs
    jobs.close()


def gated(event: threading.Event, result: bytes = b"ok"):
    """A job that reports progress until `event` is set, then returns `result`."""
    def work(progress):
        while not event.wait(0.01):
            progress(0.5, "waiting for the gate")
        return result
    return work


def wait_until_running(queue, job_id):
    while queue.status(job_id).state is JobState.QUEUED:
        time.sleep(0.005)


def test_jobs_run_one_at_a_time_in_submission_order(queue):
    order, running, overlap = [], [], []

    def make(name):
        def work(progress):
            running.append(name)
            overlap.append(len(running))
            time.sleep(0.02)
            order.append(name)
            running.remove(name)
            return name.encode()
        return work

    ids = [queue.submit(make(name)).id for name in "abcd"]
    statuses = [queue.wait(job_id, timeout=10) for job_id in ids]
    assert order == list("abcd")
    assert max(overlap) == 1
    assert all(status.state is JobState.DONE for status in statuses)
    assert [queue.result(job_id).read_bytes() for job_id in ids] == [b"a", b"b", b"c", b"d"]


def test_progress_and_message_are_visible_while_running(queue):
    gate, reported = threading.Event(), threading.Event()

    def work(progress):
        progress(0.25, "a quarter")
        reported.set()
        gate.wait(10)
        return b"done"

    job_id = queue.submit(work, label="quarter").id
    assert reported.wait(10)
    status = queue.status(job_id)
    assert (status.state, status.progress, status.message, status.label) == (JobState.RUNNING, 0.25, "a quarter", "quarter")
    assert status.started_at is not None and status.finished_at is None
    gate.set()
    final = queue.wait(job_id, timeout=10)
    assert (final.state, final.progress, final.message) == (JobState.DONE, 1.0, "done")


def test_progress_is_clamped_and_never_goes_back(queue):
    seen = []

    def work(progress):
        for fraction in (0.5, 0.2, 7.0):
            progress(fraction, "step")
            seen.append(queue.status(job_id).progress)
        return b""

    job_id = queue.submit(work).id
    queue.wait(job_id, timeout=10)
    assert seen == [0.5, 0.5, 1.0]


def test_a_queued_job_is_dropped_at_once_on_cancel(queue):
    gate = threading.Event()
    first = queue.submit(gated(gate)).id
    wait_until_running(queue, first)
    second = queue.submit(lambda progress: b"never")
    assert second.state is JobState.QUEUED and second.position == 0
    cancelled = queue.cancel(second.id)
    assert cancelled.state is JobState.CANCELLED
    gate.set()
    assert queue.wait(first, timeout=10).state is JobState.DONE
    assert queue.status(second.id).state is JobState.CANCELLED


def test_a_running_job_stops_at_its_next_progress_call(queue):
    steps = []

    def work(progress):
        for step in range(1000):
            progress(step / 1000, f"step {step}")
            steps.append(step)
            time.sleep(0.005)
        return b"finished anyway"

    job_id = queue.submit(work).id
    while not steps:
        time.sleep(0.005)
    queue.cancel(job_id)
    final = queue.wait(job_id, timeout=10)
    assert final.state is JobState.CANCELLED
    assert len(steps) < 1000
    with pytest.raises(JobNotDone, match="cancelled"):
        queue.result(job_id)


def test_a_cancel_after_the_last_progress_call_still_wins(queue):
    gate = threading.Event()

    def work(progress):
        progress(0.9, "almost")
        gate.wait(10)
        return b"result nobody wants"

    job_id = queue.submit(work).id
    while queue.status(job_id).message != "almost":
        time.sleep(0.005)
    queue.cancel(job_id)
    gate.set()
    assert queue.wait(job_id, timeout=10).state is JobState.CANCELLED


def test_a_crash_fails_the_job_and_the_next_job_still_runs(queue, caplog):
    def crash(progress):
        progress(0.1, "about to crash")
        return {}["missing key"]

    crashed = queue.submit(crash).id
    after = queue.submit(lambda progress: b"fine").id
    failed = queue.wait(crashed, timeout=10)
    assert failed.state is JobState.FAILED
    assert failed.error == "internal error in the model: KeyError: 'missing key'"
    assert "Traceback" in caplog.text  # the traceback goes to the log, not to the user
    assert queue.wait(after, timeout=10).state is JobState.DONE


def test_an_error_for_the_user_keeps_its_message(queue):
    def refuse(progress):
        raise AudioError("The audio is silent; check the strip.")

    failed = queue.wait(queue.submit(refuse).id, timeout=10)
    assert failed.state is JobState.FAILED and failed.error == "The audio is silent; check the strip."
    with pytest.raises(JobNotDone, match="silent"):
        queue.result(failed.id)


def test_a_job_raising_job_cancelled_itself_counts_as_cancelled(queue):
    def give_up(progress):
        raise JobCancelled("stopped")

    assert queue.wait(queue.submit(give_up).id, timeout=10).state is JobState.CANCELLED


def test_work_that_returns_no_bytes_fails(queue):
    failed = queue.wait(queue.submit(lambda progress: None).id, timeout=10)
    assert failed.state is JobState.FAILED and "not bytes" in failed.error


def test_a_full_queue_refuses_new_jobs(queue):
    gate = threading.Event()
    running = queue.submit(gated(gate)).id
    wait_until_running(queue, running)
    waiting = [queue.submit(lambda progress: b"").id for _ in range(4)]
    assert [queue.status(job_id).position for job_id in waiting] == [0, 1, 2, 3]
    with pytest.raises(QueueFull, match="4 jobs are already waiting"):
        queue.submit(lambda progress: b"")
    gate.set()


def test_finished_jobs_are_forgotten_beyond_the_retention_limits():
    queue = JobQueue(keep_finished=3, keep_seconds=3600)
    try:
        ids = [queue.submit(lambda progress, n=n: bytes([n])).id for n in range(5)]
        queue.wait(ids[-1], timeout=10)
        with pytest.raises(UnknownJob):
            queue.status(ids[0])
        assert queue.result(ids[-1]).read_bytes() == b"\x04"
        assert sum(queue.counts().values()) == 3
    finally:
        queue.close()

    queue = JobQueue(keep_finished=64, keep_seconds=0.05)
    try:
        job_id = queue.submit(lambda progress: b"x").id
        queue.wait(job_id, timeout=10)
        time.sleep(0.1)
        with pytest.raises(UnknownJob, match="no job with id"):
            queue.status(job_id)
    finally:
        queue.close()


def test_results_are_forgotten_oldest_first_past_the_disk_budget():
    queue = JobQueue(keep_finished=64, keep_result_bytes=2500)
    try:
        ids = [queue.submit(lambda progress: b"x" * 1000).id for _ in range(4)]
        queue.wait(ids[-1], timeout=10)
        with pytest.raises(UnknownJob):
            queue.status(ids[1])
        assert [queue.status(job_id).state for job_id in ids[2:]] == [JobState.DONE, JobState.DONE]
        # One result larger than the whole budget is still kept until the next job finishes.
        huge = queue.wait(queue.submit(lambda progress: b"y" * 10_000).id, timeout=10)
        assert queue.result(huge.id).stat().st_size == 10_000
    finally:
        queue.close()


def test_close_cancels_waiting_jobs_and_stops_the_running_one():
    queue = JobQueue()
    running = queue.submit(gated(threading.Event())).id
    wait_until_running(queue, running)
    waiting = queue.submit(lambda progress: b"").id
    queue.close(timeout=5)
    assert queue.status(waiting).state is JobState.CANCELLED
    assert queue.status(running).state is JobState.CANCELLED
    with pytest.raises(QueueFull, match="shutting down"):
        queue.submit(lambda progress: b"")


def test_results_are_files_in_a_private_folder_deleted_when_they_expire_and_at_close():
    queue = JobQueue(keep_finished=2)
    ids = [queue.submit(lambda progress, n=n: bytes([n]) * 100).id for n in range(3)]
    queue.wait(ids[-1], timeout=10)
    folder = queue.result_folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    kept = [queue.result(job_id) for job_id in ids[1:]]
    assert sorted(path.name for path in folder.iterdir()) == sorted(path.name for path in kept)
    queue.close()
    assert not folder.exists()


def test_work_may_write_its_result_file_itself_and_a_cancelled_one_leaves_no_file(queue):
    def write_file(context):
        context.result_path.write_bytes(b"written by the work")
        return context.result_path

    done = queue.wait(queue.submit(write_file).id, timeout=10)
    assert queue.result(done.id).read_bytes() == b"written by the work"

    started = threading.Event()

    def write_then_wait(context):
        context.result_path.write_bytes(b"half")
        started.set()
        while not context.cancel_requested.wait(0.01):  # waits without reporting progress
            pass
        return context.result_path

    job_id = queue.submit(write_then_wait).id
    assert started.wait(10)
    queue.cancel(job_id)
    assert queue.wait(job_id, timeout=10).state is JobState.CANCELLED
    assert not (queue.result_folder / f"{job_id}.npz").exists()
