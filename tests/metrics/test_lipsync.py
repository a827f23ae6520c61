"""Lip-sync measures against phone timings, on mouth tracks drawn by hand at 10 fps."""

import numpy as np

from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest, truth_opening
from lipwright.motion.arkit import ARKIT_INDEX

FPS = 10.0
# 0.0-0.5 pause, 0.5-0.7 M, 0.7-1.0 AA, 1.0-1.2 T, 1.2-1.8 pause
TRUTH = [("SIL", 0.0, 0.5), ("M", 0.5, 0.7), ("AA", 0.7, 1.0), ("T", 1.0, 1.2), ("SIL", 1.2, 1.8)]


def follow_truth():
    opening = truth_opening(TRUTH, 19, FPS)
    return opening, opening == 0.0


def test_a_mouth_that_follows_the_truth_scores_everything():
    opening, rest = follow_truth()
    scores = lipsync_scores(TRUTH, opening, rest, FPS)
    assert scores["closed"] == [1.0] and scores["opened"] == [1.0] and scores["rest"] == [1.0, 1.0]
    assert scores["lag"] == [0.0] and scores["correlation"][0] > 0.99


def test_misses_are_counted_and_lag_is_found():
    opening, rest = follow_truth()
    opening[5:8] = 0.5  # the lips never close for M
    opening[7:11] = 0.1  # ... and barely open for AA (the line spans 0 to 0.5, 40% is 0.2)
    rest[14] = False  # a twitch in the long pause
    scores = lipsync_scores(TRUTH, opening, rest, FPS)
    assert scores["closed"] == [0.0] and scores["opened"] == [0.0] and scores["rest"] == [1.0, 0.0]
    late, _ = follow_truth()
    assert lipsync_scores(TRUTH, np.roll(late, 2), rest, FPS)["lag"] == [2.0]


def test_opening_and_rest_from_arkit_weights():
    weights = np.zeros((3, 52))
    weights[1, ARKIT_INDEX["jawOpen"]] = 0.6
    weights[2, ARKIT_INDEX["eyeBlinkLeft"]] = 1.0  # the upper face does not disturb rest
    opening, rest = opening_and_rest(weights)
    assert opening[1] > opening[0] == opening[2]
    assert rest.tolist() == [True, False, True]


def test_a_mouth_that_never_moves_closes_everything_opens_nothing_and_has_no_lag():
    still = np.zeros(19)
    scores = lipsync_scores(TRUTH, still, still == 0, FPS)
    assert scores["closed"] == [1.0] and scores["opened"] == [0.0] and scores["rest"] == [1.0, 1.0]
    assert scores["lag"] == [] and scores["correlation"] == [0.0]
