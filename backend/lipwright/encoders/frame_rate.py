"""Bring audio features to the motion frame rate, by linear interpolation over time as FaceFormer
and its successors do (wav2vec 2.0 gives 50 Hz; faces move at 25 or 30 fps)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def to_frames(features: torch.Tensor, frames: int) -> torch.Tensor:
    """features: (batch, steps, dim) -> (batch, frames, dim)."""
    if frames < 1:
        raise ValueError(f"cannot resample features to {frames} frames")
    if features.shape[1] == frames:
        return features
    return F.interpolate(features.transpose(1, 2), size=frames, mode="linear", align_corners=True).transpose(1, 2)


def frames_for(samples: int, sample_rate: int, fps: float) -> int:
    """How many motion frames `samples` of audio make: at least one."""
    return max(1, round(samples / sample_rate * fps))


def at_frame_times(features: torch.Tensor, steps_per_second: float, fps: float, frames: int) -> torch.Tensor:
    """features: (batch, steps, dim), step k at k / steps_per_second seconds -> (batch, frames, dim),
    frame t read at t / fps seconds by linear interpolation (held at the last step past the end).
    Unlike `to_frames` the timing does not depend on how much padding follows a clip, so a line
    gives the same features alone or in a padded batch."""
    if frames < 1:
        raise ValueError(f"cannot resample features to {frames} frames")
    steps = features.shape[1]
    position = torch.arange(frames, device=features.device, dtype=torch.float32) * (steps_per_second / fps)
    position = position.clamp(max=steps - 1)
    lower = position.floor().long()
    upper = (lower + 1).clamp(max=steps - 1)
    weight = (position - lower.float()).to(features.dtype)[None, :, None]
    return features[:, lower] * (1 - weight) + features[:, upper] * weight
