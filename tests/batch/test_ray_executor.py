"""`lipwright batch --ray ADDRESS` on a real Ray instance on loopback (started here, stopped after): the same
outputs, journal and failures as local workers, and lines of one trained network sharing one forward pass."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from lipwright import wire
from lipwright.datasets.live_link_face import read_take
from tests.batch.test_line_group import tiny_run_lines
from tests.cli.commands import lipwright
from tests.cli.test_batch_cli import journal_entries, make_lines, write_manifest
from tests.models.tiny_run import make_tiny_run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ray_address():
    """A one-node Ray cluster on 127.0.0.1 whose workers import this checkout's lipwright."""
    port = _free_port()
    # Ray's socket paths must stay short, so not under pytest's deep temporary folders.
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    backend = str(Path(__file__).resolve().parents[2] / "backend")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [backend, os.environ.get("PYTHONPATH")])),
           "RAY_USAGE_STATS_ENABLED": "0"}
    head = subprocess.Popen(
        [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
         f"--port={port}", "--num-cpus=2", "--num-gpus=0", "--include-dashboard=false", "--disable-usage-stats",
         "--object-store-memory=150000000", f"--temp-dir={temp_dir}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_for_port(port, head)
        yield f"127.0.0.1:{port}"
    finally:
        head.terminate()  # `ray start --block` stops the node's processes when it ends
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, 9)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _wait_for_port(port: int, head: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if head.poll() is not None:
            pytest.fail(f"ray start --head ended: {head.stderr.read()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail("the Ray head never opened its port")


def _weights(csv_path: Path) -> np.ndarray:
    return read_take(csv_path).weights


def test_a_batch_on_ray_matches_local_workers_fails_one_bad_line_and_resumes(ray_address, tmp_path):
    spoken = make_lines(tmp_path, 4)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt nothing useful")
    rows = [{"audio": name, "transcript": text, "output": f"{Path(name).stem}.csv"} for name, text in spoken]
    rows.insert(2, {"audio": "broken.wav", "transcript": "", "output": "broken.csv"})
    on_ray = write_manifest(tmp_path, [{**row, "output": f"ray/{row['output']}"} for row in rows], "ray.csv")
    local = write_manifest(tmp_path, [{**row, "output": f"local/{row['output']}"} for row in rows], "local.csv")

    done = lipwright("batch", str(on_ray), "--ray", ray_address)
    assert done.returncode == 1, done.stderr  # one line failed
    assert "done: 4" in done.stdout and "failed: 1" in done.stdout, done.stdout
    assert "broken.wav" in done.stdout
    assert lipwright("batch", str(local), "--jobs", "1").returncode == 1
    for name, _ in spoken:
        stem = Path(name).stem
        np.testing.assert_allclose(_weights(tmp_path / "ray" / f"{stem}.csv"),
                                   _weights(tmp_path / "local" / f"{stem}.csv"), atol=1e-6)
    assert not (tmp_path / "ray" / "broken.csv").exists()
    assert len(journal_entries(on_ray)) == 4

    again = lipwright("batch", str(on_ray), "--ray", ray_address)
    assert "skipped as unchanged: 4" in again.stdout, again.stdout
    assert len(journal_entries(on_ray)) == 4  # nothing was redone


def test_lines_of_one_trained_network_share_a_task_and_equal_their_lines_alone(ray_address, tmp_path):
    models = tmp_path / "models"
    make_tiny_run(models / "tiny-run" / "best")
    names = tiny_run_lines(tmp_path, 3)
    rows = [{"audio": name, "output": f"ray/{Path(name).stem}.npz", "model": "tiny-run"} for name in names]
    manifest = write_manifest(tmp_path, rows, "tiny.csv")
    done = lipwright("batch", str(manifest), "--ray", ray_address, "--models-dir", str(models), "--device", "cpu")
    assert done.returncode == 0, done.stdout + done.stderr
    for name in names:
        result = wire.decode_result((tmp_path / "ray" / f"{Path(name).stem}.npz").read_bytes())
        assert result["meta"]["batched_with"] == 3  # the task's lines went through one forward pass
        alone = tmp_path / f"{Path(name).stem}-alone.npz"
        assert lipwright("animate", str(tmp_path / name), "-o", str(alone), "--models-dir", str(models),
                         "--model", "tiny-run", "--device", "cpu").returncode == 0
        np.testing.assert_allclose(result["weights"], wire.decode_result(alone.read_bytes())["weights"], atol=1e-4)


def test_an_address_with_no_cluster_is_a_clear_error(tmp_path):
    spoken = make_lines(tmp_path, 1)
    manifest = write_manifest(tmp_path, [{"audio": spoken[0][0], "output": "a.csv"}])
    done = lipwright("batch", str(manifest), "--ray", f"127.0.0.1:{_free_port()}")
    assert done.returncode != 0
    assert "could not reach a Ray cluster" in done.stderr and "ray start --head" in done.stderr
    assert "Traceback" not in done.stderr
