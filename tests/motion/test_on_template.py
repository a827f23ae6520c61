"""The viseme poses on the default head's mesh (offsets = sum of weight x target): p/b/m seal the
lips, open vowels part them, close vowels barely do."""

import numpy as np
import pytest

from lipwright.motion.visemes import pose_vector, viseme_for


@pytest.fixture(scope="module")
def lip_gap():
    from lipwright.template import load_default_head

    head = load_default_head()
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    upper, lower = head.landmark_index["lip_upper_mid"], head.landmark_index["lip_lower_mid"]

    def gap(label: str) -> float:
        """Vertical distance (m, Z up) between the mid lips, relative to rest."""
        posed = rest + np.tensordot(pose_vector(viseme_for(label).pose), head.targets, axes=1)
        return float((posed[upper, 2] - posed[lower, 2]) - (rest[upper, 2] - rest[lower, 2]))

    return gap


def test_bilabials_close_the_lips_on_the_mesh(lip_gap):
    for label in "PBM":
        assert lip_gap(label) <= 0.0005, label


def test_open_vowels_open_the_lips_on_the_mesh(lip_gap):
    for label in ("AA", "AE", "AH"):
        assert lip_gap(label) >= 0.012, label
    assert lip_gap("AA") > 3 * lip_gap("IY")
    assert lip_gap("F") < 0.005
