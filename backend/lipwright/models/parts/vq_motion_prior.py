"""GLDiTalker's stage 1, the motion prior: a VQ-VAE over motion sequences. Each frame is encoded
(ARKit weights through a small MLP; template-vertex offsets through the spatial-pyramid SpiralConv
encoder), temporal convolutions halve the frame rate `temporal_halvings` times, and a codebook from
`vector-quantize-pytorch` (EMA updates, dead codes replaced by batch vectors) quantises the result;
the decoder mirrors the way back to motion. Padded frames are masked everywhere, so a clip decodes
the same alone or batched."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from vector_quantize_pytorch import VectorQuantize

from .masks import length_mask
from .spiral_conv import SpiralMeshCoder


class WeightsFrameCoder(nn.Module):
    """ARKit weights per frame <-> features: (n, 52) -> (n, features) -> (n, 52)."""

    def __init__(self, motion_dim: int, features: int):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(motion_dim, features), nn.ELU(), nn.Linear(features, features))
        self.decoder = nn.Sequential(nn.Linear(features, features), nn.ELU(), nn.Linear(features, motion_dim))

    def encode(self, motion: torch.Tensor) -> torch.Tensor:
        return self.encoder(motion)

    def decode(self, features: torch.Tensor) -> torch.Tensor:
        return self.decoder(features)


class MeshFrameCoder(nn.Module):
    """Template-vertex offsets per frame <-> features, flattened as the corpus stores them:
    (n, vertices * 3) -> (n, features) -> (n, vertices * 3)."""

    def __init__(self, coder: SpiralMeshCoder):
        super().__init__()
        self.coder = coder

    def encode(self, motion: torch.Tensor) -> torch.Tensor:
        return self.coder.encode(motion.reshape(len(motion), -1, 3))

    def decode(self, features: torch.Tensor) -> torch.Tensor:
        return self.coder.decode(features).flatten(1)


def latent_lengths(frames: list[int], halvings: int) -> list[int]:
    return [math.ceil(count / 2 ** halvings) for count in frames]


class VQMotionPrior(nn.Module):
    def __init__(self, frame_coder: nn.Module, features: int, code_dim: int, codes: int, temporal_halvings: int,
                 decay: float, dead_code_threshold: float, commitment_weight: float):
        super().__init__()
        self.frame_coder = frame_coder
        self.halvings = temporal_halvings
        self.codes = codes
        self.encode_time = nn.ModuleList([nn.Conv1d(features, features, 3, padding=1)] + [
            nn.Conv1d(features, features, 4, stride=2, padding=1) for _ in range(temporal_halvings)])
        self.to_code = nn.Linear(features, code_dim)
        # k-means on the first batch starts the codebook where the latents are (fewer dead codes).
        self.quantiser = VectorQuantize(dim=code_dim, codebook_size=codes, decay=decay, kmeans_init=True,
                                        threshold_ema_dead_code=dead_code_threshold,
                                        commitment_weight=commitment_weight)
        self.from_code = nn.Linear(code_dim, features)
        self.decode_time = nn.ModuleList(
            nn.Conv1d(features, features, 3, padding=1) for _ in range(temporal_halvings + 1))

    def encode(self, motion: torch.Tensor, frames: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """motion: (batch, max(frames), motion_dim) -> (pre-quantisation latents (batch, steps, code_dim),
        their mask (batch, steps)); steps = ceil(frames / 2^halvings)."""
        lengths = latent_lengths(frames, self.halvings)
        longest = max(lengths) * 2 ** self.halvings
        mask = length_mask(frames, longest, motion.device)
        motion = F.pad(motion, (0, 0, 0, longest - motion.shape[1]))
        h = self.frame_coder.encode(motion.flatten(0, 1)).reshape(len(frames), longest, -1)
        h = h * mask[..., None]
        h = h.transpose(1, 2)
        for layer in self.encode_time:
            h = F.elu(layer(h))
            steps = h.shape[-1]
            h = h * length_mask([math.ceil(count * steps / longest) for count in frames], steps, h.device)[:, None]
        latent_mask = length_mask(lengths, max(lengths), motion.device)
        return self.to_code(h.transpose(1, 2)) * latent_mask[..., None], latent_mask

    def quantise(self, latents: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(quantised latents, code indices (batch, steps), commitment loss)."""
        quantised, indices, commitment = self.quantiser(latents, mask=mask)
        return quantised * mask[..., None], indices, commitment.sum()

    def decode(self, latents: torch.Tensor, lengths: list[int]) -> torch.Tensor:
        """latents: (batch, steps, code_dim), each row real for its lengths[row] steps ->
        motion (batch, steps * 2^halvings, motion_dim). Every layer's output is masked past the row's
        length, as a clip alone would have zero padding there."""
        h = self.from_code(latents).transpose(1, 2)
        steps = [int(count) for count in lengths]
        for index, layer in enumerate(self.decode_time):
            if index > 0:
                h = F.interpolate(h, scale_factor=2, mode="nearest")
                steps = [count * 2 for count in steps]
            h = h * length_mask(steps, h.shape[-1], h.device)[:, None]
            h = layer(h)
            if index < len(self.decode_time) - 1:
                h = F.elu(h)
        h = (h * length_mask(steps, h.shape[-1], h.device)[:, None]).transpose(1, 2)
        return self.frame_coder.decode(h.flatten(0, 1)).reshape(len(lengths), h.shape[1], -1)

    def reconstruct(self, motion: torch.Tensor, frames: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reconstructed motion (batch, max(frames), motion_dim), code indices of the real steps (n,),
        commitment loss)."""
        latents, mask = self.encode(motion, frames)
        quantised, indices, commitment = self.quantise(latents, mask)
        decoded = self.decode(quantised, latent_lengths(frames, self.halvings))
        return decoded[:, :max(frames)], indices[mask], commitment
