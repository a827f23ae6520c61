"""Temporal convolutions over per-frame values of a padded batch that see only each clip's own frames,
so a clip gives the same output alone or batched: the landmark model's decoder and the contact heads."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FrameConvolutions(nn.Module):
    """(batch, frames, inputs), mask (batch, frames) True on real frames -> (batch, frames, outputs): two
    convolutions five frames wide, then a per-frame projection that starts at zero."""

    def __init__(self, inputs: int, outputs: int, hidden: int):
        super().__init__()
        self.convolutions = nn.ModuleList([nn.Conv1d(inputs, hidden, 5, padding=2),
                                           nn.Conv1d(hidden, hidden, 5, padding=2)])
        self.out = nn.Conv1d(hidden, outputs, 1)
        nn.init.zeros_(self.out.weight)  # start from "nothing": no motion, undecided contacts
        nn.init.zeros_(self.out.bias)

    def forward(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # Zero after each clip's end between layers too, as a clip alone is zero-padded.
        keep = mask[:, None, :].to(values.dtype)
        hidden = values.transpose(1, 2) * keep
        for convolution in self.convolutions:
            hidden = F.gelu(convolution(hidden)) * keep
        return self.out(hidden).transpose(1, 2) * mask[..., None]
