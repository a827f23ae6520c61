"""Audio features for a padded batch of clips, each clip encoded alone at its own length, so that
what a clip is batched with changes nothing of its motion: a batched encoder would resample every
clip on the longest one's time grid (tens of milliseconds off by a short clip's end) and, for
wav2vec 2.0, normalise and attend over the padding."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SAMPLE_RATE = 16000


def encode_clips(encoder: nn.Module, audio: torch.Tensor, frames: list[int], fps: float, ahead: int = 0
                 ) -> torch.Tensor:
    """audio: (batch, samples) at 16 kHz, zero-padded; frames: each clip's frame count ->
    (batch, max(frames), encoder.dim): frame t of clip i gets the features of frame t + `ahead` (silence
    after the clip's end), zero after the clip's last frame."""
    features = audio.new_zeros(len(frames), max(frames), encoder.dim)
    silence = round(ahead / fps * SAMPLE_RATE)
    for i, count in enumerate(frames):
        samples = min(round(count / fps * SAMPLE_RATE), audio.shape[1])
        clip = F.pad(audio[i:i + 1, :samples], (0, silence))
        # The clip's length keeps the silence after it out of the encoder's normalisation.
        # Features read at each frame's own time (fps), as the networks were trained.
        encoded = encoder(clip, count + ahead, torch.tensor([samples], device=audio.device), fps=fps)
        features[i, :count] = encoded[0, ahead:ahead + count]
    return features
