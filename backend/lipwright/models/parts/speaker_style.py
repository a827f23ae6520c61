"""Talking style as a learned vector per training speaker; an unseen speaker (index -1) gets the
average of the learned styles, so any voice can be animated."""

from __future__ import annotations

import torch
from torch import nn


class SpeakerStyle(nn.Module):
    """speakers: (batch,) indices, -1 for unseen -> (batch, dim)."""

    def __init__(self, speakers: int, dim: int):
        super().__init__()
        if speakers < 1:
            raise ValueError("a style table needs at least one training speaker")
        self.table = nn.Embedding(speakers, dim)

    def forward(self, speakers: torch.Tensor) -> torch.Tensor:
        average = self.table.weight.mean(dim=0, keepdim=True)
        known = self.table(speakers.clamp(min=0))
        return torch.where((speakers < 0)[:, None], average.expand_as(known), known)


def rows_by_speaker(table: torch.Tensor, speakers: list[str], wanted: list[str]) -> torch.Tensor:
    """A style table whose rows follow `speakers`, re-rowed to follow `wanted`: a speaker it knew keeps its
    row, a new one gets the table's average, which is the style unseen voices get."""
    rows = table.mean(dim=0, keepdim=True).repeat(len(wanted), 1)
    for row, speaker in enumerate(wanted):
        if speaker in speakers:
            rows[row] = table[speakers.index(speaker)]
    return rows
