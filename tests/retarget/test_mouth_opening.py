"""The jawOpen weight read from a character's landmarks: the head's own opening comes back whatever the
similarity, and a closed or stylised face reads shut."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from lipwright.retarget.mouth_opening import rest_jaw_opening
from tests.retarget.constructions import opened_rest, stylise


def landmark_rows(head):
    return np.array(list(head.landmark_index.values()))


def read(head, points) -> float:
    rows = landmark_rows(head)
    jaw = np.asarray(head.targets[head.target_names.index("jawOpen")], dtype=np.float64)
    names = list(head.landmark_index)
    return rest_jaw_opening(opened_rest(head, 0.0)[rows], jaw[rows], points, names.index("lip_upper_mid"),
                            names.index("lip_lower_mid"))


@pytest.mark.parametrize("weight", [0.0, 0.1, 0.35, 0.7, 1.0])
def test_the_heads_own_opening_comes_back_turned_mirrored_and_scaled(head, weight):
    linear = 7.0 * Rotation.from_euler("xyz", [30.0, -70.0, 140.0], degrees=True).as_matrix() @ np.diag([-1.0, 1, 1])
    points = opened_rest(head, weight)[landmark_rows(head)] @ linear.T + np.array([1.0, -2.0, 3.0])
    assert read(head, points) == pytest.approx(weight, abs=0.01)


def test_a_barely_parted_or_stylised_mouth_reads_shut(head):
    rows = landmark_rows(head)
    assert read(head, opened_rest(head, 0.05)[rows]) == 0.0
    assert read(head, stylise(opened_rest(head, 0.0), head)[rows]) == 0.0
