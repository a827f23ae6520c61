"""The neural networks a trained run can hold, by name, and how a run folder becomes a network.

Every network is an nn.Module built as `Network(config: RunConfig)` that offers
    loss(batch) -> scalar tensor            (training; it masks padded frames itself)
    predict(audio, frames, speakers) -> (batch, max(frames), motion_dim)
with audio (batch, samples) at 16 kHz, zero-padded; frames: each clip's frame count; speakers:
(batch,) indices into config.speakers, -1 for a voice it never heard (the average style).
A network class may also offer `settings_from_data(settings, data, space) -> settings`, which the
training recipe calls before building it (e.g. to read landmarks off the corpus's template), and
`renamed_weights(state) -> state`, which maps an older checkpoint's weight names to its own (it
applies them in load_state_dict; fine-tuning calls it before picking the weights that fit).
Modules are imported by path so that listing networks imports no torch."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import ModelError

if TYPE_CHECKING:
    import torch

    from ..training.batches import Batch
    from ..training.checkpoint import RunConfig

NETWORKS: dict[str, str] = {
    "jambatalk": "lipwright.models.jambatalk:JambaTalk",
    "faceformer": "lipwright.models.faceformer:FaceFormer",
    "gldtalker": "lipwright.models.gldtalker:GLDiTalker",
    "landmarks": "lipwright.models.landmark_guided:LandmarkGuided",
}


class MotionNetwork(Protocol):
    config: "RunConfig"

    def loss(self, batch: "Batch") -> "torch.Tensor": ...

    def predict(self, audio: "torch.Tensor", frames: list[int], speakers: "torch.Tensor") -> "torch.Tensor": ...


def network_class(name: str) -> type:
    if name not in NETWORKS:
        raise ModelError(f"unknown network {name!r}: use one of {', '.join(NETWORKS)}")
    module_name, _, attribute = NETWORKS[name].partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def build_network(config: "RunConfig") -> MotionNetwork:
    return network_class(config.model)(config)


def load_network(folder: str | Path, device: str = "cpu") -> MotionNetwork:
    """The network of a trained run folder (model.safetensors + config.json), in eval mode on `device`."""
    from ..training.checkpoint import load_checkpoint

    config, state = load_checkpoint(folder, device=device)
    network = build_network(config)
    try:
        network.load_state_dict(state)
    except RuntimeError as error:
        raise ModelError(f"the weights in {folder} do not fit a {config.model} network as its config.json "
                         f"describes it ({str(error).splitlines()[0]})") from error
    return network.to(device).eval()
