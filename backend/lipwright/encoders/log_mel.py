"""A compact speech encoder trained from scratch: log-mel spectrogram (torch.stft and a mel filter
bank computed here, no torchaudio) followed by a few 1-D convolutions, for machines without a
pretrained encoder."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from ..audio.mel import mel_filter_bank
from .frame_rate import at_frame_times, to_frames


@dataclass(frozen=True)
class LogMelConfig:
    sample_rate: int = 16000
    window: int = 400  # 25 ms
    hop: int = 160  # 10 ms: 100 feature steps per second, above any motion frame rate
    mels: int = 80
    low_hz: float = 20.0
    high_hz: float = 7600.0
    dim: int = 128
    layers: int = 3
    kernel: int = 5
    warp: float = 0.0  # training only: stretch the mel scale by up to this fraction, a new speaker's vocal tract
    band_masks: int = 0  # training only: this many runs of mel bands hidden per clip (SpecAugment's frequency masks)
    band_mask_width: int = 8  # the widest such run, in bands

    def to_dict(self) -> dict:
        return asdict(self)


class LogMelEncoder(nn.Module):
    """audio: (batch, samples) at config.sample_rate -> features: (batch, frames, config.dim)."""

    def __init__(self, config: LogMelConfig = LogMelConfig()):
        super().__init__()
        self.config = config
        self.dim = config.dim
        self.register_buffer("window", torch.hann_window(config.window), persistent=False)
        filters = mel_filter_bank(config.sample_rate, config.window, config.mels, config.low_hz, config.high_hz)
        self.register_buffer("filters", torch.from_numpy(filters), persistent=False)
        layers: list[nn.Module] = []
        width = config.mels
        for _ in range(config.layers):
            layers += [nn.Conv1d(width, config.dim, config.kernel, padding=config.kernel // 2), nn.GELU()]
            width = config.dim
        self.convolutions = nn.Sequential(*layers)

    def log_mel(self, audio: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, samples) -> (batch, mels, steps), each mel band's mean over the clip removed so that
        the gain and the microphone's colour do not reach the model. lengths: (batch,) real samples of
        each clip in a padded batch (the padding stays out of the mean)."""
        spectrum = torch.stft(audio, n_fft=self.config.window, hop_length=self.config.hop, window=self.window,
                              center=True, return_complex=True)
        power = spectrum.real ** 2 + spectrum.imag ** 2
        log_mel = torch.log(torch.matmul(self._filters(audio.shape[0]), power) + 1e-6)
        if lengths is None:
            return self._hide_bands(log_mel - log_mel.mean(dim=-1, keepdim=True))
        steps = torch.arange(log_mel.shape[-1], device=audio.device)[None, :]
        real = (steps <= (lengths[:, None] // self.config.hop)).to(log_mel.dtype)[:, None, :]
        mean = (log_mel * real).sum(dim=-1, keepdim=True) / real.sum(dim=-1, keepdim=True).clamp(min=1)
        return self._hide_bands((log_mel - mean) * real)

    def _filters(self, clips: int) -> torch.Tensor:
        """The filter bank; in training with `warp`, one per clip with its band edges moved by a random
        factor (vocal tract length perturbation), so that voices unlike the corpus's still sound familiar."""
        if not (self.training and self.config.warp > 0):
            return self.filters
        config = self.config
        banks = []
        for factor in 1.0 + (2.0 * torch.rand(clips) - 1.0) * config.warp:
            high = min(config.high_hz * float(factor), config.sample_rate / 2)
            banks.append(mel_filter_bank(config.sample_rate, config.window, config.mels,
                                         config.low_hz * float(factor), high))
        return torch.from_numpy(np.stack(banks)).to(self.filters.device)  # (clips, mels, bins)

    def _hide_bands(self, log_mel: torch.Tensor) -> torch.Tensor:
        """In training with `band_masks`: runs of bands set to their clip mean (zero here), so that no cue
        for the lips lives in a few bands only, where another voice's formants would not put it."""
        if not (self.training and self.config.band_masks > 0):
            return log_mel
        batch, mels, _ = log_mel.shape
        widths = torch.randint(0, self.config.band_mask_width + 1, (batch, self.config.band_masks))
        starts = (torch.rand(batch, self.config.band_masks) * (mels - widths + 1)).long()
        band = torch.arange(mels)[None, None, :]
        hidden = ((band >= starts[..., None]) & (band < (starts + widths)[..., None])).any(dim=1)
        return log_mel * (~hidden).to(log_mel.device, log_mel.dtype)[:, :, None]

    def forward(self, audio: torch.Tensor, frames: int, lengths: torch.Tensor | None = None,
                fps: float | None = None) -> torch.Tensor:
        """fps: read the features at each frame's own time (padding-proof); None: stretch them to `frames`."""
        features = self.convolutions(self.log_mel(audio, lengths)).transpose(1, 2)
        if fps is None:
            return to_frames(features, frames)
        return at_frame_times(features, self.config.sample_rate / self.config.hop, fps, frames)
