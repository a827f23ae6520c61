"""Pad examples of different lengths into one batch, with masks saying which frames are real."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .examples import Example
from .phone_labels import UNKNOWN


@dataclass
class Batch:
    audio: torch.Tensor  # (batch, samples), zero after each clip's end
    motion: torch.Tensor  # (batch, frames, dim), zero after each clip's end
    frame_mask: torch.Tensor  # (batch, frames) bool, True on real frames
    frames: list[int]  # each example's frame count
    speakers: torch.Tensor  # (batch,) index into the speaker list; -1: unseen, use the average style
    names: list[str]
    # (batch, frames) phone classes (phone_labels.py), UNKNOWN where a clip has none and after its end
    phones: torch.Tensor | None = None

    def to(self, device: str | torch.device) -> "Batch":
        return Batch(self.audio.to(device), self.motion.to(device), self.frame_mask.to(device), self.frames,
                     self.speakers.to(device), self.names, None if self.phones is None else self.phones.to(device))


def speaker_index(examples: Sequence[Example]) -> dict[str, int]:
    """Speakers in a fixed order (sorted), so a checkpoint's speaker list means the same every run."""
    return {subject: i for i, subject in enumerate(sorted({example.subject for example in examples}))}


def collate(examples: Sequence[Example], speakers: dict[str, int]) -> Batch:
    if len({example.motion.shape[1] for example in examples}) != 1:
        raise ValueError("examples in one batch must share their motion space and topology")
    frames = [len(example.motion) for example in examples]
    samples = max(len(example.audio) for example in examples)
    audio = np.zeros((len(examples), samples), dtype=np.float32)
    motion = np.zeros((len(examples), max(frames), examples[0].motion.shape[1]), dtype=np.float32)
    for i, example in enumerate(examples):
        audio[i, :len(example.audio)] = example.audio
        motion[i, :frames[i]] = example.motion
    phones = np.full((len(examples), max(frames)), UNKNOWN, dtype=np.int64)
    for i, example in enumerate(examples):
        if example.phones is not None:
            phones[i, :frames[i]] = example.phones[:frames[i]]
    mask = torch.arange(max(frames))[None, :] < torch.tensor(frames)[:, None]
    return Batch(torch.from_numpy(audio), torch.from_numpy(motion), mask, frames,
                 torch.tensor([speakers.get(example.subject, -1) for example in examples]), [e.name for e in examples],
                 torch.from_numpy(phones))
