"""blink_timing: seeded, irregular blinks with a fast close and a slower opening; eye darts; phrase starts."""

import numpy as np

from tests.blender_addon.conftest import pure_module

timing = pure_module("blink_timing")


def test_blinks_come_every_few_seconds_irregularly_and_repeat_for_a_seed():
    times = timing.blink_times(120.0, seed=3, mean_interval=3.5)
    gaps = np.diff(times)
    assert 20 <= len(times) <= 60
    assert gaps.min() >= timing.MIN_GAP_SECONDS and 2.5 < gaps.mean() < 5.0 and gaps.std() > 0.5
    np.testing.assert_array_equal(times, timing.blink_times(120.0, seed=3, mean_interval=3.5))
    assert not np.array_equal(times, timing.blink_times(120.0, seed=4, mean_interval=3.5))


def test_a_blink_closes_faster_than_it_opens():
    keys = timing.blink_keys(np.array([1.0]), fps=30.0, first_frame=1.0, last_frame=100.0)
    closed = np.flatnonzero(keys.values == 1.0)
    start, shut, reopen, end = keys.frames[closed[0] - 1], keys.frames[closed[0]], keys.frames[closed[-1]], keys.frames[closed[-1] + 1]
    assert 0 < shut - start < end - reopen
    assert abs((shut - start) / 30.0 - timing.CLOSE_SECONDS) < 1e-9


def test_pauses_add_blinks_at_phrase_starts():
    activity = np.r_[np.zeros(30), np.ones(60), np.zeros(30), np.ones(60)]  # at 30 fps: speech at 1 s and 4 s
    starts = timing.phrase_starts(activity, fps=30.0)
    assert starts == [1.0, 4.0]
    with_phrases = [timing.blink_times(6.0, seed, 60.0, starts) for seed in range(20)]
    near_start = sum(any(abs(t - 3.88) < 0.01 for t in times) for times in with_phrases)
    assert near_start >= 5  # chance 0.6 per phrase start


def test_darts_stay_small_and_drive_opposite_units_of_the_two_eyes():
    darts = timing.dart_keys(30.0, seed=1, fps=24.0, first_frame=1.0)
    horizontal = darts["horizontal"].values
    assert np.abs(horizontal).max() <= 0.15 and len(horizontal) > 10
    units = timing.gaze_units(np.array([0.1, -0.1]), np.array([0.0, 0.0]))
    np.testing.assert_allclose(units["eyeLookOutLeft"], units["eyeLookInRight"])
    assert units["eyeLookOutLeft"][0] == 0.1 and units["eyeLookInLeft"][1] == 0.1
