"""measure_phone_search_warps: the vote across warp factors, its counts, and the recogniser run at a warp on real speech."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import Clip, spoken_sentence  # noqa: E402
from measure_phone_search_warps import NEAR, heard_and_extra, recognised_closures, voted  # noqa: E402
from lipwright.phones.phone import Phone  # noqa: E402


def _closure(centre: float, label: str = "B") -> Phone:
    return Phone(label, centre - 0.02, centre + 0.02)


def _generated_warps(rng: np.random.Generator) -> list[list[Phone]]:
    """3-6 warps' closures: some shared (centres jittered within NEAR / 3), some heard by one warp only."""
    shared = sorted(rng.uniform(0.0, 10.0, rng.integers(0, 8)))
    warps = []
    for _ in range(rng.integers(3, 7)):
        centres = [c + rng.uniform(-NEAR / 3, NEAR / 3) for c in shared if rng.random() < 0.7]
        centres += list(rng.uniform(0.0, 10.0, rng.integers(0, 4)))
        warps.append([_closure(c) for c in sorted(centres)])
    return warps


def test_the_vote_keeps_fewer_closures_as_more_warps_must_agree_over_generated_inputs():
    rng = np.random.default_rng(11)
    for _ in range(200):
        warps = _generated_warps(rng)
        kept = [[p.centre for p in voted(warps, need)] for need in range(1, len(warps) + 1)]
        for centres in kept:
            assert all(b - a > NEAR for a, b in zip(centres, centres[1:]))  # each kept once
        assert [len(k) for k in kept] == sorted((len(k) for k in kept), reverse=True)
        # need 1: every closure any warp heard is within NEAR of one kept
        assert all(any(abs(c.centre - k) <= NEAR for k in kept[0]) for found in warps for c in found)
        # need all: each kept closure is heard by every warp
        assert all(all(any(abs(k - c.centre) <= NEAR for c in found) for found in warps) for k in kept[-1])


def test_the_counts_hold_over_generated_truths():
    """Every truth p/b/m heard once: all heard, none extra; nothing heard: zero; each closure far from
    every p/b/m adds 100 / (truth p/b/m) extra."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        clips, closures, total = [], [], 0
        for _ in range(rng.integers(1, 4)):
            starts = np.cumsum(rng.uniform(0.06, 0.3, rng.integers(2, 30)))
            labels = rng.choice(["P", "B", "M", "AA", "T", "N", "SIL"], len(starts) - 1)
            truth = [(str(label), float(a), float(b)) for label, a, b in zip(labels, starts, starts[1:])]
            clips.append(Clip("v", "", Path("x.wav"), float(starts[-1]), truth))
            closures.append([_closure((a + b) / 2, label) for label, a, b in truth if label in ("P", "B", "M")])
            total += len(closures[-1])
        if not total:
            continue
        assert heard_and_extra(clips, closures) == (1.0, 0.0)
        assert heard_and_extra(clips, [[] for _ in clips]) == (0.0, 0.0)
        far = [found + [_closure(clip.seconds + 1.0)] for clip, found in zip(clips, closures)]
        heard, extra = heard_and_extra(clips, far)
        assert heard == 1.0 and np.isclose(extra, 100 * len(clips) / total)


def test_a_warped_search_still_hears_real_speech_and_scores_it(tmp_path):
    samples, truth = spoken_sentence("Bring me the map by the old barn.", "awb", tmp_path / "a.wav", 1.0)
    clip = Clip("awb", "", tmp_path / "a.wav", len(samples) / 16000, truth)
    for warp in (0.9, 1.0):
        (closures,), (score,) = recognised_closures([clip], warp)
        assert np.isfinite(score)
        assert closures and all(0.0 <= c.start < c.end <= clip.seconds + 0.05 for c in closures)
        heard, _ = heard_and_extra([clip], [closures])
        assert heard >= 0.6  # flite's own voice: the search hears most of the five p/b/m
