"""The landmark-guided two-stage model: speech -> facial landmark trajectories -> dense motion.

Stage 1 is a diffusion model over landmark trajectories (lips, jaw, cheeks, lids, brows; displacements
from the template's rest landmarks, divided by the landmarks' extent so every template gives targets of
one size): the denoising transformer and schedules GLDiTalker's stage 2 uses (parts/latent_diffusion.py)
with the landmark coordinates as its latents, conditioned on the audio features, the speaker's style
and the diffusion step, predicting the clean trajectory; a fixed Gaussian filter over time is part of
its output, so sampled landmarks cannot jitter. DDIM samples from seeded noise, so a seed gives one answer.
Stage 2 decodes landmark trajectories into the run's motion (52 ARKit weights, or per-vertex offsets)
with temporal convolutions; it trains on the true landmarks, read off the true motion through the
template (a linear map: the ARKit targets at the landmark vertices, or the vertices themselves).
Both stages train together in one run; they share no weights."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..encoders.build import build_encoder
from ..errors import ModelError
from ..training.batches import Batch
from ..training.checkpoint import RunConfig
from .parts.clip_audio import encode_clips
from .parts.contacts import ContactHead, commit_decisions, contact_head
from .parts.frame_convolutions import FrameConvolutions
from .parts.landmark_set import LandmarkSet, corpus_landmarks, default_head_landmarks
from .parts.latent_diffusion import LatentDenoiser, LatentDiffusion, seeded_noise
from .parts.masks import length_mask
from .parts.motion_loss import masked_motion_loss
from .parts.phone_head import heard_bilabials, phone_head
from .settings import settings_from_dict

# Checkpoints saved before the model shared parts/latent_diffusion.py name the denoiser's weights its
# own way: old prefix -> new prefix, applied whenever weights are loaded (LandmarkGuided.load_state_dict)
# and before fine-tuning picks the weights that fit (training/recipe.py asks renamed_weights).
RENAMED_WEIGHTS = {"denoiser.landmarks_in.": "diffusion.denoiser.network.latent_in.",
                   "denoiser.audio_in.": "diffusion.denoiser.network.audio_in.",
                   "denoiser.step_in.": "diffusion.denoiser.network.step_in.",
                   "denoiser.style.": "diffusion.denoiser.network.style.",
                   "denoiser.body.": "diffusion.denoiser.network.transformer.",
                   "denoiser.out.": "diffusion.denoiser.network.latent_out."}


def renamed_weights(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """`state` with the names of RENAMED_WEIGHTS' old layout changed to the current one."""
    renamed = {}
    for name, tensor in state.items():
        old = next((prefix for prefix in RENAMED_WEIGHTS if name.startswith(prefix)), None)
        renamed[RENAMED_WEIGHTS[old] + name[len(old):] if old else name] = tensor
    return renamed


@dataclass(frozen=True)
class LandmarkGuidedSettings:
    hidden: int = 128
    layers: int = 3
    heads: int = 4
    feed_forward: int = 256
    dropout: float = 0.1
    decoder_hidden: int = 128
    lip_points: int = 12  # landmarks spread over the lips, beside the template's named ones
    upper_points: int = 8  # ... and over the upper face
    train_steps: int = 200  # the diffusion's noise levels
    sampling_steps: int = 10  # DDIM steps at inference
    gain: float = 10.0  # landmark displacements / extent are a few hundredths: bring them near unit size
    smoothing: float = 1.0  # the Gaussian filter's standard deviation over time, in frames
    velocity_weight: float = 1.0
    # Weights space: decide per frame "lips sealed" and "lower face at rest" from the sampled landmarks
    # and commit them (models/parts/contacts.py), so p/b/m seal and pauses rest where the decoded
    # weights would leave the lips a hair apart.
    contacts: bool = False
    contact_weight: float = 0.01
    contact_threshold: float = 0.5
    # A phone head naming each frame's phone from the audio features (parts/phone_head.py), trained
    # beside the motion with phone_weight, or fitted afterwards (scripts/fit_phone_head.py).
    # Cross-entropy is 1-2, the landmark loss a few tenths.
    phones: bool = False
    phone_weight: float = 0.1
    # Weights space: also seal the lips where the phone head hears p, b or m at least this much (0: off).
    bilabial_seal: float = 0.0
    # The landmark set, filled in when the network is first built and kept in the run's config.
    landmark_names: tuple[str, ...] = ()
    landmark_vertices: tuple[int, ...] = ()
    landmark_rest: tuple[float, ...] = ()  # (landmarks * 3) positions on the template at rest
    landmark_scale: float = 0.0

    @classmethod
    def from_dict(cls, values: dict) -> "LandmarkGuidedSettings":
        # The landmark set comes back from JSON as lists; the frozen dataclass keeps tuples.
        values = {key: tuple(value) if isinstance(value, list) else value for key, value in values.items()}
        return settings_from_dict(cls, values, "landmarks")

    def with_landmarks(self, found: LandmarkSet) -> "LandmarkGuidedSettings":
        return replace(self, landmark_names=found.names, landmark_vertices=found.vertices,
                       landmark_rest=tuple(float(v) for v in found.rest.reshape(-1)), landmark_scale=found.scale)


def gaussian_kernel(sigma: float) -> torch.Tensor:
    """(1, 1, width) normalised Gaussian over frames; a single 1 when sigma is 0."""
    if sigma <= 0:
        return torch.ones(1, 1, 1)
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    return (kernel / kernel.sum())[None, None]


class SmoothedDenoiser(nn.Module):
    """The shared denoiser with the Gaussian filter over time on its prediction, in training and at
    every sampling step: (batch, frames, landmark_dim) in and out, as LatentDenoiser's forward."""

    def __init__(self, network: LatentDenoiser, smoothing: float):
        super().__init__()
        self.network = network
        self.register_buffer("kernel", gaussian_kernel(smoothing), persistent=False)

    def forward(self, noisy: torch.Tensor, steps: torch.Tensor, audio: torch.Tensor, speakers: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        clean = self.network(noisy, steps, audio, speakers, mask)
        return smooth_over_time(clean, self.kernel, mask) * mask[..., None]


def smooth_over_time(values: torch.Tensor, kernel: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(batch, frames, dim) filtered along frames with `kernel`; each clip's ends are held (its last real
    frame repeated over its padding), not faded to zero, so a clip filters the same alone or batched."""
    width = kernel.shape[-1]
    if width == 1:
        return values
    last = (mask.sum(dim=1) - 1).clamp(min=0)
    held = torch.minimum(torch.arange(values.shape[1], device=values.device)[None, :], last[:, None])
    values = values.gather(1, held[..., None].expand_as(values))
    channels = values.shape[-1]
    series = F.pad(values.transpose(1, 2), (width // 2, width // 2), mode="replicate")
    return F.conv1d(series, kernel.expand(channels, 1, width), groups=channels).transpose(1, 2)


class LandmarkDecoder(FrameConvolutions):
    """Landmark trajectories (batch, frames, landmark_dim) -> motion (batch, frames, motion_dim)."""


class LandmarkGuided(nn.Module):
    stochastic = True  # draws its landmarks from a seed: trained runs pass one per clip

    def __init__(self, config: RunConfig):
        super().__init__()
        self.config = config
        settings = LandmarkGuidedSettings.from_dict(config.settings)
        if not settings.landmark_vertices:
            if config.motion_space != "weights":
                raise ModelError("a vertex-space landmarks model reads its landmarks off the corpus's template: "
                                 "train it with `lipwright train`, which does that")
            settings = settings.with_landmarks(default_head_landmarks(settings.lip_points, settings.upper_points))
        self.settings = settings
        count = len(settings.landmark_vertices)
        self.landmark_dim = count * 3
        self.encoder = build_encoder(config.encoder)
        # Positions counted from the window's start, diffusers' cos-first step encoding and DDIM's leading
        # spacing: what the model was trained and tuned with before it shared the module.
        denoiser = LatentDenoiser(self.landmark_dim, self.encoder.dim, max(len(config.speakers), 1), settings.hidden,
                                  settings.layers, settings.heads, settings.feed_forward, settings.dropout,
                                  period=None, step_encoding="cos-first")
        self.diffusion = LatentDiffusion(SmoothedDenoiser(denoiser, settings.smoothing), settings.train_steps,
                                         spacing="leading")
        self.decoder = LandmarkDecoder(self.landmark_dim, config.motion_dim, settings.decoder_hidden)
        # Decisions read off landmarks as the denoiser gives them, not the true ones: at inference they
        # read sampled landmarks, which never quite close.
        self.contact_net: ContactHead | None = contact_head(settings.contacts, config.motion_space,
                                                            self.landmark_dim, settings.decoder_hidden)
        self.phone_net = phone_head(settings.phones, self.encoder.dim, settings.bilabial_seal, config.motion_space)
        # Motion -> landmark displacements: a fixed linear map, rebuilt from the settings, never trained.
        self.register_buffer("to_landmarks", self._landmark_map(config, settings), persistent=False)

    renamed_weights = staticmethod(renamed_weights)

    def load_state_dict(self, state_dict: Mapping[str, torch.Tensor], strict: bool = True, assign: bool = False):
        return super().load_state_dict(renamed_weights(state_dict), strict=strict, assign=assign)

    @staticmethod
    def _landmark_map(config: RunConfig, settings: LandmarkGuidedSettings) -> torch.Tensor:
        """(motion_dim, landmarks * 3): motion @ map = the landmarks' displacements."""
        vertices = list(settings.landmark_vertices)
        if config.motion_space == "weights":
            from ..template import load_default_head

            targets = load_default_head().targets  # (52, vertices, 3), ARKit order
            return torch.from_numpy(np.ascontiguousarray(targets[:, vertices].reshape(len(targets), -1)))
        vertex_count = config.motion_dim // 3
        if max(vertices) >= vertex_count:
            raise ModelError(f"landmark vertex {max(vertices)} is outside the template's {vertex_count} vertices")
        picks = torch.zeros(config.motion_dim, len(vertices) * 3)
        for row, vertex in enumerate(vertices):
            for axis in range(3):
                picks[vertex * 3 + axis, row * 3 + axis] = 1.0
        return picks

    @classmethod
    def settings_from_data(cls, settings: dict, data, space: str) -> dict:
        """The recipe's hook: a vertex-space run reads its landmark set off the corpus's template."""
        parsed = LandmarkGuidedSettings.from_dict(settings)
        if space == "weights" or parsed.landmark_vertices:
            return settings
        found = corpus_landmarks(data, None, parsed.lip_points, parsed.upper_points)
        return asdict(parsed.with_landmarks(found))

    def settings_dict(self) -> dict:
        values = asdict(self.settings)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in values.items()}

    # -- the landmark space --
    def landmarks_of(self, motion: torch.Tensor) -> torch.Tensor:
        """Motion (batch, frames, motion_dim) -> normalised landmark displacements (batch, frames, landmarks*3)."""
        return motion @ self.to_landmarks.to(motion.dtype) * (self.settings.gain / self.settings.landmark_scale)

    def landmark_positions(self, normalised: torch.Tensor) -> torch.Tensor:
        """Normalised displacements -> positions on the template (batch, frames, landmarks, 3)."""
        rest = torch.tensor(self.settings.landmark_rest, device=normalised.device).view(-1, 3)
        displacement = normalised * (self.settings.landmark_scale / self.settings.gain)
        return rest + displacement.view(*normalised.shape[:2], -1, 3)

    def _audio(self, audio: torch.Tensor, frames: list[int]) -> torch.Tensor:
        return encode_clips(self.encoder, audio, frames, self.config.fps)

    def phone_features(self, audio: torch.Tensor, frames: list[int]) -> tuple[torch.Tensor, int]:
        """(the features the phone head reads, how many frames ahead of its own each row hears)."""
        return self._audio(audio, frames), 0

    # -- training --
    def loss(self, batch: Batch) -> torch.Tensor:
        mask = batch.frame_mask
        clean = self.landmarks_of(batch.motion) * mask[..., None]
        features = self._audio(batch.audio, batch.frames)
        landmark_loss, predicted = self.diffusion.loss(clean, features, batch.speakers, mask,
                                                       self.settings.velocity_weight)
        decoded = self.decoder(clean, mask)
        motion_loss = masked_motion_loss(decoded, batch.motion, mask, self.settings.velocity_weight)
        loss = landmark_loss + motion_loss
        if self.contact_net is not None:
            loss = loss + self.settings.contact_weight * self.contact_net.loss(predicted, batch.motion, mask)
        if self.phone_net is not None:
            loss = loss + self.settings.phone_weight * self.phone_net.loss(features, batch.phones)
        return loss

    # -- inference --
    @torch.no_grad()
    def sample_landmarks(self, audio: torch.Tensor, frames: list[int], speakers: torch.Tensor,
                         seeds: list[int] | None = None, steps: int | None = None,
                         features: torch.Tensor | None = None) -> torch.Tensor:
        """Normalised landmark trajectories (batch, max(frames), landmarks*3) by DDIM from seeded noise:
        clip i's from its own generator seeded with seeds[i] (0 when not given), so a clip samples the same
        alone or batched, and `steps` DDIM steps (None: the run's own). features: the clips' audio features
        when already heard (they are computed otherwise)."""
        seeds = list(seeds) if seeds is not None else [0] * len(frames)
        mask = length_mask(frames, max(frames), audio.device)
        noise = seeded_noise(frames, self.landmark_dim, seeds, audio.device)
        features = self._audio(audio, frames) if features is None else features
        return self.diffusion.sample(noise, features, speakers, mask,
                                     steps or self.settings.sampling_steps, "ddim")

    @torch.no_grad()
    def predict_with_landmarks(self, audio: torch.Tensor, frames: list[int], speakers: torch.Tensor,
                               seeds: list[int] | None = None, steps: int | None = None
                               ) -> tuple[torch.Tensor, torch.Tensor]:
        """(motion (batch, frames, motion_dim), landmark positions (batch, frames, landmarks, 3))."""
        longest = max(frames)
        mask = length_mask(frames, longest, audio.device)
        features = self._audio(audio, frames)  # heard once: by the sampling and by the phone head
        landmarks = self.sample_landmarks(audio, frames, speakers, seeds, steps, features)
        motion = self.decoder(landmarks, mask)
        bilabial = heard_bilabials(self.phone_net, features, 0, self.settings.bilabial_seal)
        motion = commit_decisions(motion, self.contact_net, landmarks, mask, self.settings.contact_threshold, bilabial,
                                  self.settings.bilabial_seal)
        return motion * mask[..., None], self.landmark_positions(landmarks)

    def predict(self, audio: torch.Tensor, frames: list[int], speakers: torch.Tensor,
                seeds: list[int] | None = None, steps: int | None = None) -> torch.Tensor:
        return self.predict_with_landmarks(audio, frames, speakers, seeds, steps)[0]
