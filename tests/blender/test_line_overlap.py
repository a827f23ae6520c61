"""Overlapping lines of one character cross-fade: over generated overlaps (an interruption, a line inside
another, three in a row) the face never plays more than one line's motion at once and no frame jumps more
than the lines themselves do plus the cross-fade's own slope. Real bpy (4.5 and 5.0); the lines are
generated weights, baked through bake.bake_result as Generate bakes them."""

import bpy
import numpy as np
import pytest

from tests.blender.conftest import set_fps
from tests.blender.test_layering import face, values_at

UNITS = ("jawOpen", "mouthFunnel")


def busy_result(frames, seed):
    """A line that moves the jaw and lips all through (0.2-0.8): the hardest case for a hand-over."""
    from blender_addon.arkit_names import ARKIT_NAMES

    rng = np.random.default_rng(seed)
    weights = np.zeros((frames, len(ARKIT_NAMES)), np.float32)
    t = np.arange(frames)
    for name in UNITS:
        phase, speed = rng.uniform(0, 2 * np.pi), rng.uniform(0.15, 0.35)
        weights[:, ARKIT_NAMES.index(name)] = 0.5 + 0.3 * np.sin(speed * t + phase)
    return {"weights": weights, "weight_names": list(ARKIT_NAMES), "fps": 24.0, "meta": {}}


def played(lines, frames, name="Face"):
    """{unit: values at frames} of a face with `lines` [(strip name, start, result)] baked on it."""
    from blender_addon import bake

    obj = face(name)
    for strip_name, start, result in lines:
        bake.bake_result(bpy.context.scene, obj, result, strip_name, start, mode="ARKIT")
    table = values_at(obj, frames, UNITS)
    return obj, {unit: np.array([table[f][unit] for f in frames]) for unit in UNITS}


# (start, frames) of each line: an interruption, a short line inside a long one, three in a row, a 2-frame touch
CASES = [
    [(10, 40), (38, 40)],
    [(10, 80), (40, 20)],
    [(10, 30), (30, 30), (50, 30)],
    [(10, 30), (44, 30)],
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("seed", [0, 1])
def test_overlapping_lines_blend_without_pops(case, seed):
    from blender_addon import bake, line_store

    set_fps(bpy.context.scene, 24)
    lines = [(f"Line {i}", start, busy_result(count, seed * 10 + i)) for i, (start, count) in enumerate(CASES[case])]
    frames = np.arange(1, 140)
    alone = [played([line], frames, f"Alone {i}")[1] for i, line in enumerate(lines)]
    obj, both = played(lines, frames)
    # each line's NLA range, ease in and out included
    ranges = [(start - line_store.EASE_FRAMES, start + count - 1 + line_store.EASE_FRAMES)
              for start, count in CASES[case]]
    for unit in UNITS:
        stack = np.array([values[unit] for values in alone])
        lowest, highest = stack.min(axis=0), stack.max(axis=0)
        # Never more than one line's motion: between the lowest and highest line at every frame
        # (adding the lines, as before, reached up to twice the motion).
        assert np.all(both[unit] <= highest + 1e-4), f"{unit}: two lines add up"
        covered = np.array([any(lo <= f <= hi for lo, hi in ranges) for f in frames])
        assert np.all(both[unit][covered] >= np.minimum(lowest, 0.0)[covered] - 1e-4)
        # No pop: a frame moves no more than the steepest line alone plus the hand-over's slope
        # (the largest gap between the lines over the shortest overlap).
        own_jump = np.abs(np.diff(stack, axis=1)).max()
        overlaps = [min(a[1], b[1]) - max(a[0], b[0]) for i, a in enumerate(ranges) for b in ranges[i + 1:]
                    if min(a[1], b[1]) > max(a[0], b[0])]
        hand_over = (highest - lowest).max() / max(min(overlaps) / 2, 1.0)
        assert np.abs(np.diff(both[unit])).max() <= own_jump + hand_over + 1e-3
    # Removing a line gives the others back their own motion, full strength.
    bake.remove_bake(obj, "Line 1")
    table = values_at(obj, frames, ("jawOpen",))
    rest = np.array([table[f]["jawOpen"] for f in frames])
    others = [values["jawOpen"] for i, values in enumerate(alone) if i != 1]
    expected = others[0] if len(others) == 1 else None
    if expected is not None:
        np.testing.assert_allclose(rest, expected, atol=1e-4)


def test_lines_that_do_not_overlap_keep_full_influence():
    from blender_addon import bake

    set_fps(bpy.context.scene, 24)
    obj, _ = played([("A", 10, busy_result(20, 1)), ("B", 60, busy_result(20, 2))], np.arange(1, 3))
    strips = [track.strips[0] for track in bake.lipwright_tracks(obj).values()]
    assert [strip.use_animated_influence for strip in strips] == [False, False]
