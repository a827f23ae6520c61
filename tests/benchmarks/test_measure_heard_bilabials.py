"""measure_heard_bilabials: recognition "network"'s thresholds swept on saved unseen-voice clips through the
product's own path, and the heads' separation measured."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from bench_lipsync import save_clips, spoken_clips  # noqa: E402
from measure_heard_bilabials import area_under_roc  # noqa: E402

TEXTS = ["Bring me the map by the old barn.", "Pam made a plum pie for Bob."]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCHMARKS / "measure_heard_bilabials.py"), *args],
                          capture_output=True, text=True, cwd=BENCHMARKS)


@pytest.mark.parametrize("seed", range(20))
def test_the_area_under_the_roc_curve_is_the_chance_a_positive_outranks_a_negative(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 5, size=int(rng.integers(2, 30))).astype(float)
    positive = rng.uniform(size=len(scores)) < 0.5
    pairs = [(p, n) for p in scores[positive] for n in scores[~positive]]
    expected = np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs]) if pairs else np.nan
    assert area_under_roc(list(scores), list(positive)) == pytest.approx(expected, nan_ok=True)
    assert area_under_roc([1, 2, 3, 4], [False, False, True, True]) == 1.0
    assert area_under_roc([1, 2, 3, 4], [True, True, False, False]) == 0.0


def test_held_out_voices_are_refused():
    finished = run("--voices", "slt", "--lines", "1")
    assert finished.returncode != 0 and "held out" in finished.stderr


def test_the_sweep_scores_every_threshold_pair_against_no_weighing(tmp_path):
    clips = spoken_clips(["espeak:en+klatt4"], TEXTS, 1, [1.0], tmp_path)
    save_clips(clips, tmp_path / "saved")
    finished = run("--clips", str(tmp_path / "saved"), "--confirm", "0.3", "1", "--keep", "0", "0.1")
    assert finished.returncode == 0, finished.stderr
    rows = {line.split("|")[1].strip(): line.split("|")[2:6] for line in finished.stdout.splitlines()
            if line.startswith("| ") and "closed" not in line}
    assert set(rows) == {"not weighed", "0.3, 0", "0.3, 0.1", "1, 0", "1, 0.1"}
    closed = {name: float(cells[0].split()[0]) for name, cells in rows.items()}
    # confirm 1 relabels nothing and keep 0 drops nothing: the same as not weighing at all.
    assert rows["1, 0"] == rows["not weighed"]
    assert closed["0.3, 0"] >= closed["1, 0"]  # confirming can only add closures
    assert "AUC" in finished.stdout
