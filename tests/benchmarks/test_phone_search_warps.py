"""measure_phone_search_warps: the vote across warp factors, and the recogniser run at a warp on real speech."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import Clip, spoken_sentence  # noqa: E402
from measure_phone_search_warps import NEAR, heard_and_extra, recognised_closures, voted  # noqa: E402


def _generated_warps(rng: np.random.Generator) -> list[list[float]]:
    """3-6 warps' closure centres: some shared (jittered within NEAR / 3), some heard by one warp only."""
    shared = sorted(rng.uniform(0.0, 10.0, rng.integers(0, 8)))
    warps = []
    for _ in range(rng.integers(3, 7)):
        found = [c + rng.uniform(-NEAR / 3, NEAR / 3) for c in shared if rng.random() < 0.7]
        found += list(rng.uniform(0.0, 10.0, rng.integers(0, 4)))
        warps.append(sorted(found))
    return warps


def test_the_vote_keeps_fewer_closures_as_more_warps_must_agree_over_generated_inputs():
    rng = np.random.default_rng(11)
    for _ in range(200):
        warps = _generated_warps(rng)
        kept = [voted(warps, need) for need in range(1, len(warps) + 1)]
        for closures in kept:
            # each kept once: no two within NEAR of each other
            assert all(b - a > NEAR for a, b in zip(closures, closures[1:]))
        assert [len(k) for k in kept] == sorted((len(k) for k in kept), reverse=True)
        every = [c for found in warps for c in found]
        # need 1: every closure any warp heard is within NEAR of one kept
        assert all(any(abs(c - k) <= NEAR for k in kept[0]) for c in every)
        # need all: each kept closure is heard by every warp
        assert all(all(any(abs(k - c) <= NEAR for c in found) for found in warps) for k in kept[-1])


def test_heard_and_extra_count_against_the_truth():
    clip = Clip("v", "t", Path("x.wav"), 3.0, [("M", 0.9, 1.1), ("AA", 1.1, 1.3), ("P", 1.9, 2.1), ("SIL", 2.1, 3.0)])
    assert heard_and_extra([clip], [[1.0 + NEAR / 2]]) == (0.5, 0.0)
    assert heard_and_extra([clip], [[1.0, 2.0, 2.5]]) == (1.0, 50.0)
    assert heard_and_extra([clip], [[]]) == (0.0, 0.0)


def test_a_warped_search_still_hears_real_speech_and_scores_it(tmp_path):
    samples, truth = spoken_sentence("Bring me the map by the old barn.", "awb", tmp_path / "a.wav", 1.0)
    clip = Clip("awb", "", tmp_path / "a.wav", len(samples) / 16000, truth)
    for warp in (0.9, 1.0):
        (closures,), (score,) = recognised_closures([clip], warp)
        assert np.isfinite(score)
        assert closures and all(0.0 <= c <= clip.seconds for c in closures)
        heard, _ = heard_and_extra([clip], [closures])
        assert heard >= 0.6  # flite's own voice: the search hears most of the five p/b/m
