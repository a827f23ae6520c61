"""Local worker processes: a worker that dies mid-line costs a retry, and a line that kills it twice fails alone."""

import os
import signal
import threading
import time
from pathlib import Path

from lipwright.batch.executors import LocalProcessExecutor
from lipwright.batch.line import BatchLine
from tests.speech import speak


def spawned_workers() -> set[int]:
    """This process's children that are multiprocessing workers (not the resource tracker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and b"spawn_main" in command:
            found.add(int(entry.name))
    return found


def kill_workers(count: int, killed: list[int], earlier: set[int]) -> None:
    """SIGKILL each new worker shortly after it starts (while it loads or runs the first line), count times.
    Workers of an earlier pool may still be exiting (pools shut down without waiting): those are not counted."""
    passed_over = set(earlier)
    deadline = time.monotonic() + 120
    while len(killed) < count and time.monotonic() < deadline:
        fresh = spawned_workers() - set(killed) - passed_over
        if fresh:
            pid = min(fresh)
            time.sleep(0.2)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # it had already gone: not a kill
                passed_over.add(pid)
                continue
            killed.append(pid)
        time.sleep(0.01)


def lines_for(folder: Path) -> list[BatchLine]:
    texts = ["The rain in the north will clear by the evening, leaving a cold and starry night.", "Good night."]
    return [BatchLine(row=row, audio=speak(text, folder / f"{row}.wav", engine="flite", voice="awb"),
                      outputs={"json": folder / f"{row}.json"}) for row, text in enumerate(texts, 1)]


def run_while_killing(lines, kills: int):
    killed: list[int] = []
    killer = threading.Thread(target=kill_workers, args=(kills, killed, spawned_workers()))
    killer.start()
    outcomes = {outcome.row: outcome for outcome in LocalProcessExecutor(1).run(lines)}
    killer.join()
    assert len(killed) == kills
    return outcomes


def test_a_killed_worker_costs_a_retry(tmp_path):
    lines = lines_for(tmp_path)
    outcomes = run_while_killing(lines, kills=1)
    assert [outcomes[row].status for row in (1, 2)] == ["done", "done"]
    assert all(line.outputs["json"].is_file() for line in lines)


def test_a_line_that_kills_its_worker_twice_fails_and_the_batch_goes_on(tmp_path):
    lines = lines_for(tmp_path)
    outcomes = run_while_killing(lines, kills=2)
    assert outcomes[1].status == "failed" and "crashed 2 times" in outcomes[1].message
    assert outcomes[2].status == "done" and lines[1].outputs["json"].is_file()
