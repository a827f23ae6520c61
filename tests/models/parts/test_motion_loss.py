"""The shared motion loss on hand-worked cases: padded frames count for nothing, and the velocity
term sees frame-to-frame change only."""

import pytest
import torch

from lipwright.models.parts.motion_loss import masked_motion_loss


def test_padded_frames_count_for_nothing():
    target = torch.zeros(1, 4, 2)
    predicted = torch.tensor([[[1.0, 1.0], [1.0, 1.0], [50.0, -50.0], [9.0, 9.0]]])
    mask = torch.tensor([[True, True, False, False]])
    # Two real frames, each off by 1 in both numbers; their change agrees with the target's (none).
    assert float(masked_motion_loss(predicted, target, mask, velocity_weight=1.0)) == pytest.approx(1.0)


def test_the_velocity_term_weighs_frame_to_frame_change():
    target = torch.zeros(1, 3, 1)
    mask = torch.ones(1, 3, dtype=torch.bool)
    steady = torch.ones(1, 3, 1)  # off by one, but still
    jumpy = torch.tensor([[[1.0], [-1.0], [1.0]]])  # just as far off, jumping by 2 each frame
    assert float(masked_motion_loss(steady, target, mask, velocity_weight=1.0)) == pytest.approx(1.0)
    assert float(masked_motion_loss(jumpy, target, mask, velocity_weight=1.0)) == pytest.approx(1.0 + 4.0)
    assert float(masked_motion_loss(jumpy, target, mask, velocity_weight=0.0)) == pytest.approx(1.0)
