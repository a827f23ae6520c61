"""FaceFormer (Fan et al., CVPR 2022), the baseline the field compares against: audio features at the
motion frame rate feed a transformer decoder's cross-attention through the alignment mask (frame t
hears only the audio of its own time), and the decoder's self-attention looks back over the motion
already made through the biased causal mask (ALiBi-like penalties one step per period); the motion
input carries the periodic positional encoding and the speaker's style.

Autoregressive: frame t's input is the motion of frame t-1 (the style alone for the first frame),
teacher-forced in training and fed back one frame at a time at inference. The decoder has no cache,
so inference re-runs the frames made so far at each step, as the original does: fine for a baseline
and short lines, quadratic in the line's length."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..encoders.build import build_encoder
from ..errors import ModelError
from ..training.batches import Batch
from ..training.checkpoint import RunConfig
from .parts.clip_audio import encode_clips
from .parts.masks import alignment_mask, biased_causal_mask
from .parts.motion_loss import masked_motion_loss
from .parts.positions import PeriodicPositionalEncoding
from .parts.speaker_style import SpeakerStyle
from .settings import settings_from_dict


@dataclass(frozen=True)
class FaceFormerSettings:
    d_model: int = 64  # the paper's VOCASET width (128 for BIWI)
    heads: int = 4
    layers: int = 1
    feed_forward: int = 128
    period: int = 30  # the positional encoding's and the causal bias's period; by default the run's frame rate
    dropout: float = 0.1
    velocity_weight: float = 1.0  # frame-to-frame motion error beside the per-frame error

    @classmethod
    def from_dict(cls, values: dict) -> "FaceFormerSettings":
        settings = settings_from_dict(cls, values, "faceformer")
        if settings.d_model % 2 or settings.d_model % settings.heads:
            raise ModelError(f"faceformer's d_model ({settings.d_model}) must be even and a multiple of its "
                             f"heads ({settings.heads})")
        if settings.period < 1:
            raise ModelError(f"faceformer's period must be at least one frame, not {settings.period}")
        return settings


class FaceFormer(nn.Module):
    def __init__(self, config: RunConfig):
        super().__init__()
        self.config = config
        # The period is one second of frames: 30 for VOCASET, 25 for BIWI, unless the settings say otherwise.
        self.settings = settings = FaceFormerSettings.from_dict({"period": round(config.fps), **config.settings})
        self.encoder = build_encoder(config.encoder)
        self.audio_in = nn.Linear(self.encoder.dim, settings.d_model)
        self.motion_in = nn.Linear(config.motion_dim, settings.d_model)
        self.style = SpeakerStyle(max(len(config.speakers), 1), settings.d_model)
        self.positions = PeriodicPositionalEncoding(settings.d_model, settings.period, settings.dropout)
        layer = nn.TransformerDecoderLayer(settings.d_model, settings.heads, settings.feed_forward, settings.dropout,
                                           batch_first=True)
        self.decoder = nn.TransformerDecoder(layer, settings.layers)
        self.motion_out = nn.Linear(settings.d_model, config.motion_dim)
        # Start from "no motion", as the original does: training learns movement, not to undo noise.
        nn.init.zeros_(self.motion_out.weight)
        nn.init.zeros_(self.motion_out.bias)

    def settings_dict(self) -> dict:
        return asdict(self.settings)

    # -- the shared parts of training and inference --
    def _audio(self, audio: torch.Tensor, frames: list[int]) -> torch.Tensor:
        """(batch, max(frames), d_model): each clip's audio features at the motion frame rate (one step
        per frame, so the alignment mask pairs frame t with audio step t)."""
        return self.audio_in(encode_clips(self.encoder, audio, frames, self.config.fps))

    def _decode(self, motion_inputs: torch.Tensor, audio_features: torch.Tensor) -> torch.Tensor:
        """motion_inputs: (batch, frames, d_model), audio_features: (batch, frames, d_model) ->
        (batch, frames, motion_dim); frame t depends on motion inputs up to t and audio at t only."""
        batch, frames, _ = motion_inputs.shape
        target = self.positions(motion_inputs)
        # One (frames, frames) bias per head, repeated per clip: the layout nn.MultiheadAttention wants.
        causal = biased_causal_mask(self.settings.heads, frames, self.settings.period).to(target.device, target.dtype)
        causal = causal.repeat(batch, 1, 1)
        aligned = alignment_mask(frames, audio_features.shape[1]).to(target.device)
        hidden = self.decoder(target, audio_features, tgt_mask=causal, memory_mask=aligned)
        return self.motion_out(hidden)

    # -- training --
    def loss(self, batch: Batch) -> torch.Tensor:
        audio_features = self._audio(batch.audio, batch.frames)
        style = self.style(batch.speakers)[:, None, :]
        # Teacher forcing: frame t's input is the true frame t-1; the first frame's is the style alone.
        previous = F.pad(self.motion_in(batch.motion[:, :-1]), (0, 0, 1, 0))
        predicted = self._decode(previous + style, audio_features)
        return masked_motion_loss(predicted, batch.motion, batch.frame_mask, self.settings.velocity_weight)

    # -- inference --
    @torch.no_grad()
    def predict(self, audio: torch.Tensor, frames: list[int], speakers: torch.Tensor) -> torch.Tensor:
        audio_features = self._audio(audio, frames)
        style = self.style(speakers)[:, None, :]
        inputs = style
        outputs = []
        for t in range(max(frames)):
            # Frames up to t see audio up to t only (the alignment mask), so later audio need not be passed.
            latest = self._decode(inputs, audio_features[:, :t + 1])[:, -1:]
            outputs.append(latest)
            inputs = torch.cat([inputs, self.motion_in(latest) + style], dim=1)
        return torch.cat(outputs, dim=1)
