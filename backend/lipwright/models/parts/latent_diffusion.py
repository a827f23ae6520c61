"""Diffusion over motion sequences, shared by GLDiTalker's stage 2 (over its motion latents) and the
landmark-guided model (over landmark trajectories): a transformer that denoises a whole sequence,
conditioned on the audio of each step, the speaker's style and the diffusion step, trained with
`diffusers`' DDPM noise schedule and sampled in few steps with DDIM (or DPM-Solver++). The network
predicts the clean latents (x0, diffusers' prediction_type "sample"), so its loss is the latent
reconstruction error plus the error of step-to-step changes (velocity). DDIM runs with eta 0: all the
variety of a sample comes from its starting noise, drawn per row from its own seed, so a seed gives
the same sample whatever the batch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler
from diffusers.models.embeddings import get_timestep_embedding
from torch import nn

from .motion_loss import masked_motion_loss
from .positions import periodic_encoding
from .speaker_style import SpeakerStyle

SAMPLERS = ("ddim", "dpm-solver")
# diffusers' two layouts of the step's sinusoid: (flip_sin_to_cos, downscale_freq_shift).
STEP_ENCODINGS = {"sin-first": (False, 1.0), "cos-first": (True, 0.0)}


def training_schedule(train_steps: int) -> DDPMScheduler:
    # Latents are not images: no clipping to [-1, 1]. The cosine schedule keeps the last steps noisy.
    return DDPMScheduler(num_train_timesteps=train_steps, beta_schedule="squaredcos_cap_v2",
                         prediction_type="sample", clip_sample=False)


def sampling_schedule(training: DDPMScheduler, sampler: str, steps: int, spacing: str = "trailing"):
    """A fresh few-step sampler on the training schedule. "trailing" spacing: the first step starts
    from pure noise even with one step; "leading" (diffusers' default) starts a step's width lower."""
    if sampler == "ddim":
        schedule = DDIMScheduler.from_config(training.config, clip_sample=False, timestep_spacing=spacing)
    elif sampler == "dpm-solver":
        schedule = DPMSolverMultistepScheduler.from_config(training.config, algorithm_type="dpmsolver++",
                                                           solver_order=2, thresholding=False,
                                                           timestep_spacing=spacing)
    else:
        raise ValueError(f"unknown sampler {sampler!r}: use one of {', '.join(SAMPLERS)}")
    schedule.set_timesteps(steps)
    return schedule


def derived_seed(seed: int, key: int) -> int:
    """A seed for part `key` (a sample, a window) of something seeded `seed`: a distinct stream per pair."""
    state = np.random.SeedSequence([int(seed) % 2 ** 63, int(key)]).generate_state(1, dtype=np.uint64)[0]
    return int(state % 2 ** 63)


def seeded_noise(lengths: Sequence[int], dim: int, seeds: Sequence[int], device) -> torch.Tensor:
    """(batch, max(lengths), dim): row i's first lengths[i] steps drawn from a generator seeded with
    seeds[i] (on the CPU, so a seed gives the same noise on every device), zero after."""
    noise = torch.zeros(len(lengths), max(lengths), dim)
    for row, (count, seed) in enumerate(zip(lengths, seeds)):
        noise[row, :count] = torch.randn(count, dim, generator=torch.Generator().manual_seed(int(seed)))
    return noise.to(device)


class LatentDenoiser(nn.Module):
    """noisy: (batch, steps, code_dim), timesteps: (batch,), audio: (batch, steps, audio_dim),
    speakers: (batch,), mask: (batch, steps) -> clean latents (batch, steps, code_dim).

    period: the positional encoding's period in steps; None counts positions from the sequence's start
    without repeating. step_encoding: a key of STEP_ENCODINGS. Both choices exist because the landmark
    model's checkpoints were trained with None and "cos-first" before it shared this module."""

    def __init__(self, code_dim: int, audio_dim: int, speakers: int, hidden: int, layers: int, heads: int,
                 feed_forward: int, dropout: float, period: int | None, step_encoding: str = "sin-first"):
        super().__init__()
        self.hidden, self.period = hidden, period
        self.flip_sin_to_cos, self.frequency_shift = STEP_ENCODINGS[step_encoding]
        self.latent_in = nn.Linear(code_dim, hidden)
        self.audio_in = nn.Linear(audio_dim, hidden)
        self.style = SpeakerStyle(speakers, hidden)
        self.step_in = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        layer = nn.TransformerEncoderLayer(hidden, heads, feed_forward, dropout, batch_first=True, norm_first=True)
        # No nested tensors: padded steps then cost the same work alone or batched, and give the same numbers.
        self.transformer = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.latent_out = nn.Linear(hidden, code_dim)

    def forward(self, noisy: torch.Tensor, timesteps: torch.Tensor, audio: torch.Tensor, speakers: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        step = self.step_in(get_timestep_embedding(timesteps, self.hidden, flip_sin_to_cos=self.flip_sin_to_cos,
                                                   downscale_freq_shift=self.frequency_shift).to(noisy.dtype))
        steps = noisy.shape[1]
        positions = periodic_encoding(steps, self.hidden, self.period or steps).to(noisy.device, noisy.dtype)
        # This order of the sums is the one the landmark model's checkpoints were sampled with.
        h = (self.latent_in(noisy) + self.audio_in(audio) + (self.style(speakers) + step)[:, None, :]
             + positions[None])
        h = self.transformer(h, src_key_padding_mask=~mask)
        return self.latent_out(h) * mask[..., None]


class LatentDiffusion(nn.Module):
    """denoiser: a LatentDenoiser, or a module with its forward (the landmark model's smooths it);
    spacing: the sampler's timestep spacing (see sampling_schedule)."""

    def __init__(self, denoiser: nn.Module, train_steps: int, spacing: str = "trailing"):
        super().__init__()
        self.denoiser = denoiser
        self.schedule = training_schedule(train_steps)
        self.spacing = spacing

    def loss(self, latents: torch.Tensor, audio: torch.Tensor, speakers: torch.Tensor, mask: torch.Tensor,
             velocity_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
        """(the loss, the predicted clean latents): noise each clip's latents to a random step, predict
        them back. The prediction is returned for heads that learn to read what sampling gives (contact
        decisions). Out of training (validation) the steps and noise come from a fixed seed, so
        validation losses compare across epochs."""
        generator = None if self.training else torch.Generator().manual_seed(0)
        timesteps = torch.randint(0, self.schedule.config.num_train_timesteps, (len(latents),), generator=generator)
        noise = torch.randn(latents.shape, generator=generator).to(latents.device, latents.dtype)
        timesteps = timesteps.to(latents.device)
        noisy = self.schedule.add_noise(latents, noise, timesteps) * mask[..., None]
        predicted = self.denoiser(noisy, timesteps, audio, speakers, mask)
        return masked_motion_loss(predicted, latents, mask, velocity_weight), predicted

    @torch.no_grad()
    def sample(self, noise: torch.Tensor, audio: torch.Tensor, speakers: torch.Tensor, mask: torch.Tensor,
               steps: int, sampler: str = "ddim") -> torch.Tensor:
        """noise: (batch, latent steps, code_dim) -> clean latents of the same shape, in `steps` steps."""
        schedule = sampling_schedule(self.schedule, sampler, steps, self.spacing)
        latents = noise
        for timestep in schedule.timesteps:
            timesteps = torch.full((len(latents),), int(timestep), device=latents.device)
            predicted = self.denoiser(latents, timesteps, audio, speakers, mask)
            latents = schedule.step(predicted, timestep, latents).prev_sample * mask[..., None]
        return latents
