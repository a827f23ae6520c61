"""Per-unit weight error and sample diversity on hand-made cases."""

import numpy as np
import pytest

from lipwright.metrics.diversity import sample_diversity
from lipwright.metrics.weight_errors import per_unit_weight_error
from lipwright.motion.arkit import ARKIT_INDEX


def test_per_unit_error_names_the_unit_that_is_wrong():
    truth = np.zeros((4, 52))
    predicted = truth.copy()
    predicted[:2, ARKIT_INDEX["jawOpen"]] = 0.5
    errors = per_unit_weight_error([predicted], [truth])
    assert errors["jawOpen"] == pytest.approx(0.25)
    assert sum(errors.values()) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="frames, 52"):
        per_unit_weight_error([predicted[:, :10]], [truth[:, :10]])


def test_diversity_is_the_mean_pairwise_distance():
    samples = np.zeros((3, 2, 5, 3))
    samples[1, :, :, 0] = 3.0  # sample 1 is 3 away from 0; sample 2 is 4 away from 0 and 5 from 1
    samples[2, :, :, 1] = 4.0
    assert sample_diversity(samples) == pytest.approx((3 + 4 + 5) / 3)
    assert sample_diversity(np.repeat(samples[:1], 4, axis=0)) == 0.0
    with pytest.raises(ValueError, match="two samples"):
        sample_diversity(samples[:1])
