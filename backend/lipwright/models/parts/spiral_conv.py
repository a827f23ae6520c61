"""SpiralConv (SpiralNet++) and the multi-scale mesh coder built from it: convolution over each
vertex's spiral neighbourhood, and barycentric sampling between the levels of a mesh pyramid. The
spirals and sampling maps are buffers, so a checkpoint carries its topology's pyramid and loads
without the mesh it was computed from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class SpiralConv(nn.Module):
    """x: (batch, vertices, in_channels) -> (batch, vertices, out_channels): each vertex's spiral
    gathered, flattened (length * in_channels), then one linear map."""

    def __init__(self, vertices: int, length: int, in_channels: int, out_channels: int):
        super().__init__()
        self.register_buffer("spirals", torch.zeros(vertices, length, dtype=torch.long))
        self.linear = nn.Linear(length * in_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        vertices, length = self.spirals.shape
        gathered = x[:, self.spirals.reshape(-1)].reshape(x.shape[0], vertices, length * x.shape[-1])
        return self.linear(gathered)


class BarycentricSampling(nn.Module):
    """x: (batch, sources, channels) -> (batch, targets, channels): each target vertex the weighted
    sum of three source vertices (geometry/mesh_pyramid.BarycentricMap)."""

    def __init__(self, targets: int):
        super().__init__()
        self.register_buffer("indices", torch.zeros(targets, 3, dtype=torch.long))
        self.register_buffer("weights", torch.zeros(targets, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x[:, self.indices] * self.weights[None, :, :, None].to(x.dtype)).sum(dim=2)


class SpiralMeshCoder(nn.Module):
    """The spatial-pyramid SpiralConv encoder and its mirror decoder for one topology.
    encode: offsets (n, vertices, 3) -> (n, features): SpiralConv + ELU at every level, down-sampled
    between levels; every level's features are carried down to the coarsest level and concatenated
    (multi-scale fusion), flattened and mapped to `features`.
    decode: (n, features) -> offsets (n, vertices, 3): the way back up, SpiralConv at every level."""

    def __init__(self, level_vertices: Sequence[int], channels: Sequence[int], spiral_length: int, features: int):
        super().__init__()
        if len(channels) != len(level_vertices):
            raise ValueError(f"one channel count per pyramid level: {len(level_vertices)} levels, "
                             f"{len(channels)} channel counts")
        levels = len(level_vertices)
        coarsest = level_vertices[-1]
        self.encoders = nn.ModuleList(
            SpiralConv(count, spiral_length, 3 if level == 0 else channels[level - 1], channels[level])
            for level, count in enumerate(level_vertices))
        self.down = nn.ModuleList(BarycentricSampling(level_vertices[level + 1]) for level in range(levels - 1))
        self.up = nn.ModuleList(BarycentricSampling(level_vertices[level]) for level in range(levels - 1))
        self.fuse = nn.Linear(coarsest * sum(channels), features)
        self.expand = nn.Linear(features, coarsest * channels[-1])
        self.decoders = nn.ModuleList(
            SpiralConv(count, spiral_length, channels[level], channels[max(level - 1, 0)])
            for level, count in enumerate(level_vertices))
        self.to_offsets = SpiralConv(level_vertices[0], spiral_length, channels[0], 3)
        self.channels = list(channels)

    def set_geometry(self, spirals: Sequence[np.ndarray], pyramid) -> None:
        """spirals: one (vertices, length) array per level; pyramid: geometry/mesh_pyramid.MeshPyramid."""
        for conv, decoder, level_spirals in zip(self.encoders, self.decoders, spirals):
            conv.spirals.copy_(torch.as_tensor(level_spirals))
            decoder.spirals.copy_(torch.as_tensor(level_spirals))
        self.to_offsets.spirals.copy_(torch.as_tensor(spirals[0]))
        for modules, maps in ((self.down, pyramid.down), (self.up, pyramid.up)):
            for module, sampling in zip(modules, maps):
                module.indices.copy_(torch.as_tensor(sampling.indices))
                module.weights.copy_(torch.as_tensor(sampling.weights, dtype=torch.float32))

    def encode(self, offsets: torch.Tensor) -> torch.Tensor:
        levels = []
        h = offsets
        for level, conv in enumerate(self.encoders):
            h = F.elu(conv(h))
            levels.append(h)
            if level < len(self.down):
                h = self.down[level](h)
        fused = []
        for level, features in enumerate(levels):
            for down in self.down[level:]:
                features = down(features)
            fused.append(features)
        return self.fuse(torch.cat(fused, dim=-1).flatten(1))

    def decode(self, features: torch.Tensor) -> torch.Tensor:
        h = self.expand(features).reshape(len(features), -1, self.channels[-1])
        for level in reversed(range(len(self.decoders))):
            h = F.elu(self.decoders[level](h))
            if level > 0:
                h = self.up[level - 1](h)
        return self.to_offsets(h)
