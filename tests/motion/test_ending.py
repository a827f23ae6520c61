"""ease_to_rest_at_end: a line cut off mid-word still ends with the mouth at rest."""

import numpy as np

from lipwright.motion.ending import ease_to_rest_at_end


def test_an_open_mouth_at_the_end_eases_shut():
    weights = np.full((30, 52), 0.6, np.float32)
    eased = ease_to_rest_at_end(weights, fps=30)
    assert np.all(eased[-1] == 0.0)
    assert np.all(np.diff(eased[:, 17]) <= 0)  # it only closes
    np.testing.assert_array_equal(eased[:-4], weights[:-4])  # only the last ~0.12 s change
    assert eased.dtype == np.float32


def test_a_line_that_ends_at_rest_is_unchanged():
    weights = np.zeros((20, 52), np.float32)
    weights[5:10] = 0.5
    np.testing.assert_array_equal(ease_to_rest_at_end(weights, fps=24), weights)


def test_one_frame():
    assert np.all(ease_to_rest_at_end(np.ones((1, 52), np.float32), fps=30) == 0.0)
