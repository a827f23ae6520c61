"""Outputs are checked before the work, written whole or not at all, and never replace an input."""

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from lipwright.demo.speech import synthesize
from tests.cli.commands import lipwright

LINE = "Bob bought a map of the moon."


@pytest.fixture(scope="module")
def line_wav(tmp_path_factory) -> Path:
    return synthesize(LINE, tmp_path_factory.mktemp("speech") / "line.wav")


def refused_at_once(completed: subprocess.CompletedProcess, says: str) -> None:
    assert completed.returncode == 2, completed.stderr
    assert says in completed.stderr, completed.stderr
    assert "Traceback" not in completed.stderr, completed.stderr
    assert "animating" not in completed.stderr, "the work started before the output was checked"


def test_output_equal_to_the_input_is_refused(line_wav, tmp_path):
    audio = tmp_path / "line.wav"
    audio.write_bytes(line_wav.read_bytes())
    completed = lipwright("animate", str(audio), "-o", str(audio))
    refused_at_once(completed, "is also an input")
    assert audio.read_bytes() == line_wav.read_bytes()


def test_output_that_is_a_folder_is_refused_before_the_work(line_wav, tmp_path):
    refused_at_once(lipwright("animate", str(line_wav), "-o", str(tmp_path)), "is a folder")


def test_output_under_a_file_is_refused_before_the_work(line_wav, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    refused_at_once(lipwright("animate", str(line_wav), "-o", str(blocker / "out" / "line.npz")),
                    f"{blocker} is a file, not a folder")


def _limit_file_size(max_bytes: int):
    def limit() -> None:
        # What a full disk does to a writer: writes past the limit fail (EFBIG, as SIGXFSZ is ignored).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return limit


def test_a_write_that_fails_midway_keeps_the_earlier_file_whole(line_wav, tmp_path):
    out = tmp_path / "line.npz"
    assert lipwright("animate", str(line_wav), "-o", str(out), "--fps", "10").returncode == 0
    good = out.read_bytes()
    assert len(good) < 2_000_000
    # At 60 fps the offsets are several MB: the write runs into the 2 MB limit part-way.
    completed = subprocess.run(
        [sys.executable, "-m", "lipwright", "animate", str(line_wav), "-o", str(out), "--fps", "60"],
        capture_output=True, text=True, timeout=600, preexec_fn=_limit_file_size(2_000_000),
    )
    assert completed.returncode == 2, completed.stderr
    assert "could not write" in completed.stderr and "Traceback" not in completed.stderr, completed.stderr
    assert out.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["line.npz"], "a partial file was left behind"


def test_a_line_too_big_for_the_result_limit_is_refused_before_the_work(tmp_path):
    # Ten minutes at 240 fps on the default head: 144,000 frames × 4,821 vertices, 7.8 GiB of offsets.
    rate = 8000
    t = np.arange(600 * rate) / rate
    audio = tmp_path / "ten_minutes.wav"
    soundfile.write(str(audio), (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate, subtype="PCM_16")
    completed = lipwright("animate", str(audio), "-o", str(tmp_path / "out.npz"), "--fps", "240")
    assert completed.returncode == 2, completed.stderr
    assert "frame-vertices" in completed.stderr and "lower the fps" in completed.stderr, completed.stderr
    assert not (tmp_path / "out.npz").exists()


def test_a_long_line_keeps_memory_bounded(tmp_path):
    """Peak memory of the whole command grows far less than the result: offsets never sit whole in memory."""
    once = synthesize("Bob made a map of the moon, and Pam brought fresh waffles.", tmp_path / "once.wav")
    samples, rate = soundfile.read(str(once), dtype="float32")
    block = np.concatenate([samples, np.zeros(rate, np.float32)])
    long_wav = tmp_path / "long.wav"
    soundfile.write(str(long_wav), np.tile(block, int(np.ceil(150 * rate / len(block))))[: 150 * rate], rate)

    def peak_mb(audio: Path) -> float:
        child = subprocess.Popen([sys.executable, "-m", "lipwright", "animate", str(audio), "-o",
                                  str(tmp_path / "out.npz")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        return usage.ru_maxrss / 1024

    short_peak = peak_mb(once)
    long_peak = peak_mb(long_wav)
    with np.load(tmp_path / "out.npz") as result:
        offsets_mb = result["offsets"].nbytes / 2**20
    assert offsets_mb > 240  # 150 s at 30 fps: 4,501 frames × 4,821 vertices × 12 bytes
    # Recognising 150 s costs about 130 MB whatever the result; holding the offsets whole as array and as
    # npz bytes (the old way) adds twice offsets_mb on top.
    assert long_peak - short_peak < offsets_mb, (short_peak, long_peak, offsets_mb)
