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
