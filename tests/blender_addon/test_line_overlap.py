"""Cross-fade weights of overlapping lines: somebody always has the whole face, nobody more, and the
hand-over ramps instead of stepping."""

import numpy as np

from tests.blender_addon.conftest import pure_module

line_overlap = pure_module("line_overlap")


def test_influences_hand_over_smoothly():
    frames = np.arange(0, 120, 0.5)
    for ranges in ([(0, 50), (40, 90)], [(0, 100), (30, 60)], [(0, 40), (20, 60), (30, 80)]):
        weights = np.array(line_overlap.influences(line_overlap.plan_spans(ranges), frames))
        total = weights.sum(axis=0)
        assert np.all(total <= 1 + 1e-9)
        inside = np.array([any(lo <= f <= hi for lo, hi in ranges) for f in frames])
        assert np.all(total[inside] > 1 - 1e-9)  # somebody always has the whole face
        # Only the union's own edges step (each line eases its keys to 0 there); inside it, ramps of 5+ frames.
        steps = np.abs(np.diff(weights, axis=1))[:, inside[:-1] & inside[1:]]
        assert steps.max() <= 0.5 / 5 + 1e-9
