"""The training loss the motion networks share: per-frame error plus frame-to-frame error, over the
real frames of a padded batch only."""

from __future__ import annotations

import torch


def masked_motion_loss(predicted: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                       velocity_weight: float) -> torch.Tensor:
    """predicted, target: (batch, frames, dim); mask: (batch, frames) bool, True on real frames.
    Mean squared error over real frames, plus the error of frame-to-frame changes (what makes lips
    snap shut rather than drift), as FaceFormer's successors train."""
    weight = mask.to(predicted.dtype)[..., None]
    error = ((predicted - target) ** 2 * weight).sum() / (weight.sum() * target.shape[-1]).clamp(min=1)
    if velocity_weight <= 0 or target.shape[1] < 2:
        return error
    both = weight[:, 1:] * weight[:, :-1]
    change = (predicted[:, 1:] - predicted[:, :-1]) - (target[:, 1:] - target[:, :-1])
    velocity = (change ** 2 * both).sum() / (both.sum() * target.shape[-1]).clamp(min=1)
    return error + velocity_weight * velocity
