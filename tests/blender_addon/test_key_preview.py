"""The preview slider's weights: each quarter plays its key from rest to full and back; 0 and 1 are rest."""

import numpy as np
import pytest

from tests.blender_addon.conftest import pure_module

key_preview = pure_module("key_preview")


@pytest.mark.parametrize("amount", [0.0, 1.0, -0.5, 2.0])
def test_the_ends_are_the_rest_pose(amount):
    assert set(key_preview.preview_weights(amount).values()) == {0.0}


def test_every_position_gives_each_preview_key_a_weight_in_range():
    for amount in np.random.default_rng(0).uniform(0, 1, 500):
        weights = key_preview.preview_weights(amount)
        assert set(weights) == set(key_preview.PREVIEW_KEYS)
        assert all(0.0 <= value <= 1.0 for value in weights.values())


def test_each_quarter_plays_its_own_key_to_full():
    for quarter, lead in enumerate(("jawOpen", "mouthClose", "mouthFunnel", "mouthSmileLeft")):
        middle = key_preview.preview_weights((quarter + 0.5) / 4)
        assert middle[lead] == pytest.approx(1.0)
        others = {name for name, value in middle.items() if value > 0} - set(key_preview.PREVIEW_STEPS[quarter])
        assert not others, others
        edge = key_preview.preview_weights(quarter / 4 + 1e-6)
        assert edge[lead] < 0.01  # each key starts from rest: no jump from one quarter to the next
