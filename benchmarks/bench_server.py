"""The server under load: /health latency while a long line is recognised, and wall time and peak memory
of `lipwright serve` (its own process and its model worker) for 1, 10 and 600 s lines.

Run: .venv/bin/python benchmarks/bench_server.py [--seconds 1 10 600] [--fps 30]
Each line gets a fresh server, so each peak is that line's own. The 600 s line is espeak-ng speech
concatenated; the default `phonemes` model on the default head with per-vertex offsets (the heaviest
result the add-on asks for).
"""

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for the test server helper
from lipwright.demo.speech import synthesize  # noqa: E402
from tests.server.server_process import start_server, submit, wait_until_finished  # noqa: E402

PARAGRAPH = ("Bob made a map of the moon, and Pam brought some fresh waffles with vanilla. "
             "Maybe we should move the boxes before the weather becomes much worse.")


def line_of(seconds: float, folder: Path) -> Path:
    """Speech `seconds` long: one spoken paragraph, repeated and cut to length."""
    samples, rate = soundfile.read(str(synthesize(PARAGRAPH, folder / "paragraph.wav")), dtype="float32")
    repeats = int(np.ceil(seconds * rate / len(samples)))
    path = folder / f"line-{seconds:g}s.wav"
    soundfile.write(str(path), np.tile(samples, repeats)[: int(seconds * rate)], rate, subtype="PCM_16")
    return path


def peak_rss_bytes(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def percentile(values: list[float], fraction: float) -> float:
    return float(np.percentile(np.array(values), fraction * 100)) if values else float("nan")


def poll_health(server, stop: threading.Event, latencies: list[float]) -> None:
    with server.client(timeout=60.0) as http:
        while not stop.wait(0.05):
            started = time.perf_counter()
            http.get("/v1/health")
            latencies.append(time.perf_counter() - started)


def measure_line(seconds: float, fps: float, folder: Path) -> dict:
    audio = line_of(seconds, folder).read_bytes()
    server = start_server("--device", "cpu", "--max-request-mb", "512", log_dir=folder)
    try:
        with server.client(timeout=600.0) as http:
            idle = []
            poll_health(server, _stopped_after(1.0), idle)
            busy, stop = [], threading.Event()
            poller = threading.Thread(target=poll_health, args=(server, stop, busy), daemon=True)
            started = time.perf_counter()
            response = submit(http, audio, {"model": "phonemes", "fps": fps})
            assert response.status_code == 202, response.text
            poller.start()
            final = wait_until_finished(http, response.json()["id"], timeout=1800)[-1]
            computed = time.perf_counter() - started
            assert final["state"] == "done", final["error"]
            result = http.get(final["result_url"])
            wall = time.perf_counter() - started
            stop.set()
            poller.join()
            workers = children(server.process.pid)
            return {
                "seconds": seconds, "wall": wall, "job": computed, "result_mb": len(result.content) / 1e6,
                "server_peak_mb": peak_rss_bytes(server.process.pid) / 2**20,
                "worker_peak_mb": max((peak_rss_bytes(pid) for pid in workers), default=0) / 2**20,
                "idle_p50_ms": percentile(idle, 0.5) * 1e3, "idle_p99_ms": percentile(idle, 0.99) * 1e3,
                "busy_p50_ms": percentile(busy, 0.5) * 1e3, "busy_p99_ms": percentile(busy, 0.99) * 1e3,
                "busy_max_ms": max(busy, default=float("nan")) * 1e3, "polls": len(busy),
            }
    finally:
        server.stop()


def _stopped_after(seconds: float) -> threading.Event:
    event = threading.Event()
    threading.Timer(seconds, event.set).start()
    return event


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, nargs="+", default=[1.0, 10.0, 600.0])
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    print(f"{'line s':>7s} {'wall s':>7s} {'job s':>7s} {'result MB':>10s} {'server peak MiB':>16s} "
          f"{'worker peak MiB':>16s} {'health idle p50/p99 ms':>23s} {'health busy p50/p99/max ms':>27s} {'polls':>6s}")
    with tempfile.TemporaryDirectory() as scratch:
        for seconds in args.seconds:
            row = measure_line(seconds, args.fps, Path(scratch))
            print(f"{row['seconds']:7.0f} {row['wall']:7.1f} {row['job']:7.1f} {row['result_mb']:10.1f} "
                  f"{row['server_peak_mb']:16.0f} {row['worker_peak_mb']:16.0f} "
                  f"{row['idle_p50_ms']:11.1f}/{row['idle_p99_ms']:<11.1f} "
                  f"{row['busy_p50_ms']:9.1f}/{row['busy_p99_ms']:.1f}/{row['busy_max_ms']:<9.1f} {row['polls']:6d}",
                  flush=True)


if __name__ == "__main__":
    main()
