"""LVE, FDD and mean vertex error on hand-made motion whose answers are worked out by hand."""

import numpy as np
import pytest

from lipwright.metrics.vertex_errors import (
    lip_max_errors, lip_vertex_error, mean_vertex_error, upper_face_dynamics, upper_face_dynamics_deviation)

LIPS = [0, 1]
UPPER = [2, 3]


def still(frames=4, vertices=4):
    return np.zeros((frames, vertices, 3))


def test_lve_takes_the_worst_lip_vertex_per_frame_squared_or_plain():
    truth = still()
    predicted = still()
    predicted[0, 0] = [3, 4, 0]  # frame 0: lip vertex 0 off by 5
    predicted[0, 1] = [1, 0, 0]  # smaller error on the other lip vertex: not counted
    predicted[1, 1] = [0, 0, 2]  # frame 1: lip vertex 1 off by 2
    predicted[2, 3] = [9, 9, 9]  # an upper-face vertex: not a lip, not counted
    np.testing.assert_allclose(lip_max_errors(predicted, truth, LIPS), [25, 4, 0, 0])
    np.testing.assert_allclose(lip_max_errors(predicted, truth, LIPS, squared=False), [5, 2, 0, 0])
    assert lip_vertex_error([predicted], [truth], LIPS) == pytest.approx(29 / 4)
    assert lip_vertex_error([predicted], [truth], LIPS, squared=False) == pytest.approx(7 / 4)


def test_lve_over_a_set_averages_frames_not_sequences():
    long_truth, short_truth = still(frames=3), still(frames=1)
    long_predicted, short_predicted = long_truth.copy(), short_truth.copy()
    short_predicted[0, 0] = [2, 0, 0]  # one frame with error 4, three frames without
    assert lip_vertex_error([long_predicted, short_predicted], [long_truth, short_truth], LIPS) == pytest.approx(1.0)


def test_fdd_is_truth_minus_prediction_of_the_upper_face_motion_spread():
    template = np.zeros((4, 3))
    truth = still()
    truth[::2, 2, 0] = 1.0  # vertex 2 squared displacement 1, 0, 1, 0: std 0.5; vertex 3 still
    predicted = still()
    predicted[:, 0, 0] = np.arange(4)  # lips move a lot, but they are not upper face
    assert upper_face_dynamics(truth, template, UPPER) == pytest.approx(0.25)
    assert upper_face_dynamics_deviation([predicted], [truth], [template], UPPER) == pytest.approx(0.25)
    assert upper_face_dynamics_deviation([truth], [predicted], [template], UPPER) == pytest.approx(-0.25)
    assert upper_face_dynamics_deviation([truth, predicted], [predicted, truth], [template] * 2, UPPER) == 0.0


def test_mean_vertex_error_and_mismatched_lengths():
    truth = still(frames=2, vertices=2)
    predicted = truth.copy()
    predicted[0, 0] = [0, 3, 4]
    assert mean_vertex_error([predicted], [truth]) == pytest.approx(5 / 4)
    with pytest.raises(ValueError, match="trim both"):
        mean_vertex_error([predicted[:1]], [truth])
