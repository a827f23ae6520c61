"""GLDiTalker (arXiv 2408.01826): speech to motion by latent diffusion over a learnt motion prior.

Stage 1 (parts/vq_motion_prior.py) learns a VQ-VAE of motion sequences: in template-vertex space its
frame encoder is the spatial-pyramid SpiralConv network over the template's topology; in ARKit-weights
space an MLP over the 52 weights. Stage 2 (parts/latent_diffusion.py) learns, with stage 1 frozen, a
transformer that denoises the quantised latents conditioned on audio, speaker style and diffusion
step. Inference draws noise from a seed, denoises it in a few DDIM steps and decodes the latents
with stage 1's decoder; several samples of one line go through one batched pass.
In weights space, `contacts` adds per-frame decisions (lips sealed, lower face at rest;
parts/contacts.py) read off the decoded weights and the audio, learnt in stage 2 and committed at
inference: sampled weights, like any regression's, leave the lips a hair apart on p/b/m.

The paper publishes none of its sizes (see shared/MODELS.md): the defaults here are stand-ins
(CodeTalker's 256 codes; SpiralNet++'s spiral length 9 and pyramid factors 4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import torch
from torch import nn

from ..encoders.build import build_encoder
from ..errors import ModelError
from ..training.batches import Batch
from ..training.checkpoint import RunConfig
from .parts.clip_audio import encode_clips
from .parts.contacts import ContactHead, commit_decisions, contact_head
from .parts.latent_diffusion import SAMPLERS, LatentDenoiser, LatentDiffusion, derived_seed, seeded_noise
from .parts.motion_loss import masked_motion_loss
from .parts.phone_head import heard_bilabials, phone_head
from .parts.spiral_conv import SpiralMeshCoder
from .parts.masks import length_mask
from .parts.vq_motion_prior import MeshFrameCoder, VQMotionPrior, WeightsFrameCoder, latent_lengths
from .settings import settings_from_dict

STAGES = ("prior", "diffusion")


@dataclass(frozen=True)
class GLDiTalkerSettings:
    # Stage 1: the motion prior.
    features: int = 128  # per-frame width of the prior's encoder and decoder
    codes: int = 256
    code_dim: int = 64
    temporal_halvings: int = 1  # the latents run at fps / 2^halvings
    codebook_decay: float = 0.99  # the EMA rate of the codebook
    dead_code_threshold: float = 2.0  # codes used less (EMA count) are replaced by batch vectors
    commitment_weight: float = 0.25
    prior_epochs: int = 0  # epochs of stage 1; 0: as many as the run's --epochs
    # Vertex space: the SpiralConv pyramid over the template's topology.
    spiral_length: int = 9
    spiral_dilation: int = 1
    pyramid_factors: list = field(default_factory=lambda: [4, 4, 4])
    mesh_channels: list = field(default_factory=lambda: [16, 16, 16, 32])  # one per level, finest first
    template_mesh: str = ""  # an OBJ of the run's topology when it is not the default head
    level_vertices: list = field(default_factory=list)  # filled in at the first build; the checkpoint keeps the pyramid
    # Stage 2: the latent diffusion transformer.
    hidden: int = 128
    layers: int = 4
    heads: int = 4
    feed_forward: int = 256
    dropout: float = 0.1
    train_steps: int = 1000  # the DDPM schedule's length
    sampling_steps: int = 25
    sampler: str = "ddim"  # or "dpm-solver"
    velocity_weight: float = 1.0
    # Weights space: contact decisions (parts/contacts.py), learnt in stage 2.
    contacts: bool = False
    contact_weight: float = 0.01
    contact_threshold: float = 0.5
    # A phone head naming each frame's phone from the audio features (parts/phone_head.py), trained in
    # stage 2 with phone_weight, or fitted afterwards (scripts/fit_phone_head.py).
    # Cross-entropy is 1-2, the latent loss a few tenths.
    phones: bool = False
    phone_weight: float = 0.1
    # Weights space: also seal the lips where the phone head hears p, b or m at least this much (0: off).
    bilabial_seal: float = 0.0

    @classmethod
    def from_dict(cls, values: dict) -> "GLDiTalkerSettings":
        settings = settings_from_dict(cls, values, "gldtalker")
        if settings.sampler not in SAMPLERS:
            raise ModelError(f"gldtalker's sampler must be one of {', '.join(SAMPLERS)}, not {settings.sampler!r}")
        if settings.hidden % settings.heads:
            raise ModelError(f"gldtalker's hidden ({settings.hidden}) must be a multiple of its heads ({settings.heads})")
        return settings


class GLDiTalker(nn.Module):
    stochastic = True  # predictions depend on a seed (models/trained_run.py passes one per window)
    training_stages = STAGES

    def __init__(self, config: RunConfig):
        super().__init__()
        self.config = config
        settings = GLDiTalkerSettings.from_dict(config.settings)
        frame_coder, settings = _frame_coder(config, settings)
        self.settings = settings
        self.prior = VQMotionPrior(frame_coder, settings.features, settings.code_dim, settings.codes,
                                   settings.temporal_halvings, settings.codebook_decay, settings.dead_code_threshold,
                                   settings.commitment_weight)
        self.encoder = build_encoder(config.encoder)
        steps_per_latent = 2 ** settings.temporal_halvings
        denoiser = LatentDenoiser(settings.code_dim, self.encoder.dim * steps_per_latent,
                                  max(len(config.speakers), 1), settings.hidden, settings.layers, settings.heads,
                                  settings.feed_forward, settings.dropout,
                                  period=max(1, round(config.fps / steps_per_latent)))
        self.diffusion = LatentDiffusion(denoiser, settings.train_steps)
        # Decisions read off the decoded weights, as sampling gives them, beside each frame's audio.
        self.contact_net: ContactHead | None = contact_head(settings.contacts, config.motion_space,
                                                            config.motion_dim + self.encoder.dim, settings.hidden)
        self.phone_net = phone_head(settings.phones, self.encoder.dim, settings.bilabial_seal, config.motion_space)
        # Scales that bring motion and latents near unit size, measured on the first training batch
        # of each stage (zero until then) and kept in the checkpoint.
        self.register_buffer("motion_scale", torch.zeros(()))
        self.register_buffer("latent_scale", torch.zeros(()))
        self.stage = "diffusion"
        self._code_counts = torch.zeros(settings.codes, dtype=torch.long)

    def settings_dict(self) -> dict:
        return asdict(self.settings)

    # -- training, one stage at a time (training/recipe.py runs them in order) --
    def begin_stage(self, stage: str) -> None:
        if stage not in STAGES:
            raise ModelError(f"gldtalker has no training stage {stage!r}: its stages are {', '.join(STAGES)}")
        self.stage = stage
        for parameter in self.prior.parameters():
            parameter.requires_grad_(stage == "prior")
        self.train(self.training)

    def stage_epochs(self, stage: str, epochs: int) -> int:
        return (self.settings.prior_epochs or epochs) if stage == "prior" else epochs

    def train(self, mode: bool = True) -> "GLDiTalker":
        super().train(mode)
        if self.stage != "prior":
            self.prior.eval()  # frozen: its codebook's EMA and dead-code replacement must not move
        return self

    def loss(self, batch: Batch) -> torch.Tensor:
        return self._prior_loss(batch) if self.stage == "prior" else self._diffusion_loss(batch)

    def _prior_loss(self, batch: Batch) -> torch.Tensor:
        scale = self._fitted(self.motion_scale, batch.motion, batch.frame_mask)
        reconstructed, codes, commitment = self.prior.reconstruct(batch.motion / scale, batch.frames)
        if self.training:
            self._code_counts += torch.bincount(codes.cpu(), minlength=self.settings.codes)
        motion_error = masked_motion_loss(reconstructed, batch.motion / scale, batch.frame_mask,
                                          self.settings.velocity_weight)
        return motion_error + commitment

    def _diffusion_loss(self, batch: Batch) -> torch.Tensor:
        with torch.no_grad():
            latents, mask = self.prior.encode(batch.motion / self._fitted(self.motion_scale), batch.frames)
            latents, _, _ = self.prior.quantise(latents, mask)
        latents = latents / self._fitted(self.latent_scale, latents, mask)
        features = self._frame_audio(batch.audio, batch.frames)
        loss, predicted = self.diffusion.loss(latents, self._latent_audio(features, mask.shape[1]), batch.speakers,
                                              mask, self.settings.velocity_weight)
        if self.phone_net is not None:
            loss = loss + self.settings.phone_weight * self.phone_net.loss(features, batch.phones)
        if self.contact_net is None:
            return loss
        with torch.no_grad():
            lengths = latent_lengths(batch.frames, self.settings.temporal_halvings)
            motion = self._decoded(predicted, lengths, max(batch.frames))
        seen = torch.cat([motion, features], dim=-1)
        return loss + self.settings.contact_weight * self.contact_net.loss(seen, batch.motion, batch.frame_mask)

    def _fitted(self, scale: torch.Tensor, values: torch.Tensor | None = None, mask: torch.Tensor | None = None
                ) -> torch.Tensor:
        """The stored scale, measured first (the root mean square of the real frames) when still unset;
        1 for a network that never saw data (random weights, as benchmarks of speed build it)."""
        if float(scale) == 0.0:
            if values is None:
                return torch.ones_like(scale)
            real = values[mask]
            scale.fill_(float(real.pow(2).mean().sqrt().clamp(min=1e-6)))
        return scale

    def epoch_report(self) -> dict:
        """Codebook figures over the epoch's training batches (stage 1): the share of codes used and
        the perplexity of their use (the number of equally used codes it is worth); then reset."""
        counts, self._code_counts = self._code_counts, torch.zeros_like(self._code_counts)
        if self.stage != "prior" or counts.sum() == 0:
            return {}
        share = counts.double() / counts.sum()
        entropy = -(share[share > 0] * share[share > 0].log()).sum()
        return {"codebook_usage": float((counts > 0).double().mean()), "codebook_perplexity": float(entropy.exp())}

    # -- the shared parts of training and inference --
    def _frame_audio(self, audio: torch.Tensor, frames: list[int]) -> torch.Tensor:
        """(batch, max(frames), encoder.dim): each frame's audio features."""
        return encode_clips(self.encoder, audio, frames, self.config.fps)

    def phone_features(self, audio: torch.Tensor, frames: list[int]) -> tuple[torch.Tensor, int]:
        """(the features the phone head reads, how many frames ahead of its own each row hears)."""
        return self._frame_audio(audio, frames), 0

    def _latent_audio(self, features: torch.Tensor, steps: int) -> torch.Tensor:
        """Frame features -> (batch, latent steps, encoder.dim * 2^halvings): each latent step those of its frames."""
        per_step = 2 ** self.settings.temporal_halvings
        features = nn.functional.pad(features, (0, 0, 0, steps * per_step - features.shape[1]))
        return features.reshape(len(features), steps, -1)

    def _decoded(self, latents: torch.Tensor, lengths: list[int], frames: int) -> torch.Tensor:
        """Scaled latents (batch, steps, code_dim) -> motion (batch, frames, motion_dim)."""
        motion = self.prior.decode(latents * self._fitted(self.latent_scale), lengths)
        return motion[:, :frames] * self._fitted(self.motion_scale)

    # -- inference --
    @torch.no_grad()
    def predict(self, audio: torch.Tensor, frames: list[int], speakers: torch.Tensor,
                seeds: Sequence[int] | None = None, steps: int | None = None) -> torch.Tensor:
        """(batch, max(frames), motion_dim): one sample per clip, clip i's from seeds[i] (0 when not given)."""
        return self.sample(audio, frames, speakers, 1, seeds, steps)[0]

    @torch.no_grad()
    def sample(self, audio: torch.Tensor, frames: list[int], speakers: torch.Tensor, count: int,
               seeds: Sequence[int] | None = None, steps: int | None = None) -> torch.Tensor:
        """(count, batch, max(frames), motion_dim): `count` samples of every clip in one batched pass;
        sample k of clip i starts from noise seeded by (seeds[i], k)."""
        seeds = list(seeds) if seeds is not None else [0] * len(frames)
        lengths = latent_lengths(frames, self.settings.temporal_halvings)
        rows = len(frames) * count
        row_seeds = [derived_seed(seeds[row % len(frames)], row // len(frames)) for row in range(rows)]
        mask = length_mask(lengths, max(lengths), audio.device).repeat(count, 1)
        features = self._frame_audio(audio, frames).repeat(count, 1, 1)
        noise = seeded_noise(lengths * count, self.settings.code_dim, row_seeds, audio.device).to(audio.dtype)
        latents = self.diffusion.sample(noise, self._latent_audio(features, max(lengths)), speakers.repeat(count),
                                        mask, steps or self.settings.sampling_steps, self.settings.sampler)
        motion = self._decoded(latents, lengths * count, max(frames))
        bilabial = heard_bilabials(self.phone_net, features, 0, self.settings.bilabial_seal)
        frame_mask = length_mask(frames, max(frames), audio.device).repeat(count, 1)
        motion = commit_decisions(motion, self.contact_net, torch.cat([motion, features], dim=-1), frame_mask,
                                  self.settings.contact_threshold, bilabial, self.settings.bilabial_seal)
        return motion.reshape(count, len(frames), max(frames), -1)


def _frame_coder(config: RunConfig, settings: GLDiTalkerSettings) -> tuple[nn.Module, GLDiTalkerSettings]:
    """The per-frame coder of the run's motion space, and the settings with the pyramid's sizes filled in."""
    if config.motion_space == "weights":
        return WeightsFrameCoder(config.motion_dim, settings.features), settings
    if len(settings.mesh_channels) != len(settings.pyramid_factors) + 1:
        raise ModelError(f"gldtalker needs one mesh channel count per pyramid level: {len(settings.pyramid_factors)} "
                         f"factors make {len(settings.pyramid_factors) + 1} levels, not {len(settings.mesh_channels)}")
    geometry = None
    if not settings.level_vertices:  # a new run: compute the pyramid; a saved one brings it in its weights
        geometry = _template_geometry(config, settings)
        settings = replace(settings, level_vertices=[len(level.vertices) for level in geometry[1].levels])
    coder = SpiralMeshCoder(settings.level_vertices, settings.mesh_channels, settings.spiral_length, settings.features)
    if geometry is not None:
        coder.set_geometry(*geometry)
    return MeshFrameCoder(coder), settings


def _template_geometry(config: RunConfig, settings: GLDiTalkerSettings):
    """(spirals per level, mesh pyramid) of the run's template topology."""
    from ..geometry.mesh_pyramid import build_pyramid
    from ..geometry.spirals import spiral_indices
    from ..retarget.template_regions import triangulate

    if settings.template_mesh:
        from ..geometry.obj_reader import read_obj

        mesh = read_obj(settings.template_mesh)
    elif config.template == "default-head":
        from ..template import load_default_head

        mesh = load_default_head().mesh
    else:
        raise ModelError(f"gldtalker in vertex space needs the {config.template} topology's faces: pass an OBJ "
                         "of it with --set template_mesh=PATH")
    if mesh.vertex_count * 3 != config.motion_dim:
        raise ModelError(f"the template mesh has {mesh.vertex_count} vertices but the motion moves "
                         f"{config.motion_dim // 3}: give the mesh of the corpus's own topology")
    try:
        pyramid = build_pyramid(mesh.vertices, triangulate(mesh), settings.pyramid_factors)
    except ValueError as error:
        raise ModelError(f"gldtalker's mesh pyramid: {error}") from error
    spirals = [spiral_indices(level.vertices, level.faces, settings.spiral_length, settings.spiral_dilation)
               for level in pyramid.levels]
    return spirals, pyramid
