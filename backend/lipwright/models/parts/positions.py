"""FaceFormer's periodic positional encoding: the sinusoid table of one period (the motion frame
rate, so one second) repeated, so positions carry rhythm but no absolute length and any length of
line gets an encoding."""

from __future__ import annotations

import math

import torch
from torch import nn


def periodic_encoding(frames: int, dim: int, period: int) -> torch.Tensor:
    """(frames, dim): row t is the sinusoid encoding of t mod period."""
    if dim % 2:
        raise ValueError(f"the encoding's width must be even, not {dim}")
    position = (torch.arange(frames) % period).float()[:, None]
    frequency = torch.exp(torch.arange(0, dim, 2).float() * (-math.log(10000.0) / dim))
    table = torch.zeros(frames, dim)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return table


class PeriodicPositionalEncoding(nn.Module):
    """x: (batch, frames, dim) -> x plus the periodic encoding, then dropout."""

    def __init__(self, dim: int, period: int, dropout: float = 0.1):
        super().__init__()
        self.dim, self.period = dim, period
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        encoding = periodic_encoding(x.shape[1], self.dim, self.period).to(x.device, x.dtype)
        return self.dropout(x + encoding[None])
