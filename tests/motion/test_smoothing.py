"""gaussian_filter1d in numpy gives scipy.ndimage's numbers."""

import numpy as np
import pytest
from scipy import ndimage

from lipwright.motion.smoothing import gaussian_filter1d


@pytest.mark.parametrize("sigma", [0.3, 1.0, 3.0, 8.0, 25.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_scipy(sigma, dtype):
    values = np.random.default_rng(0).random((400, 7)).astype(dtype)
    for axis in (0, 1, -1):
        expected = ndimage.gaussian_filter1d(values, sigma, axis=axis, mode="nearest")
        got = gaussian_filter1d(values, sigma, axis=axis, mode="nearest")
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5 if dtype == np.float32 else 1e-10, atol=1e-6)


def test_short_signals_and_constants():
    np.testing.assert_allclose(gaussian_filter1d(np.full(5, 0.25), 8.0), np.full(5, 0.25))
    np.testing.assert_allclose(gaussian_filter1d(np.array([1.0, 0.0, 0.0]), 2.0),
                               ndimage.gaussian_filter1d(np.array([1.0, 0.0, 0.0]), 2.0, mode="nearest"))
