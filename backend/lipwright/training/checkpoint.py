"""A trained run on disk: `model.safetensors` (the weights) and `config.json` (what the weights are:
model, motion space, template, frame rate, speakers, encoder, the model's own settings), loadable
without any of the training code's state."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..errors import ModelError
from ..files.atomic import replaced_on_success, write_text_atomically
from .examples import MOTION_SPACES

WEIGHTS_FILE, CONFIG_FILE = "model.safetensors", "config.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RunConfig:
    model: str  # the model module's name, e.g. "jambatalk"
    motion_space: str  # "weights" (52 ARKit) or "vertices" (offsets on `template`)
    fps: float
    template: str  # "default-head", "vocaset", "biwi": the topology of vertex-space motion
    speakers: list[str]  # training speakers, in the order of the style embedding
    encoder: dict  # {"kind": "log-mel" | "wav2vec2" | "hubert", ...its settings}
    settings: dict = field(default_factory=dict)  # the model's own dataclass, as a dict
    motion_dim: int = 52  # numbers per frame: 52 weights, or the template's vertices * 3
    format_version: int = FORMAT_VERSION

    def __post_init__(self):
        if self.motion_space not in MOTION_SPACES:
            raise ModelError(f"unknown motion space {self.motion_space!r}: use one of {', '.join(MOTION_SPACES)}")


def save_checkpoint(folder: str | Path, state: dict[str, torch.Tensor], config: RunConfig) -> Path:
    """Write both files whole or not at all; returns the folder."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # safetensors refuses tensors that share memory or are not contiguous: store plain copies.
    plain = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in state.items()}
    with replaced_on_success(folder / WEIGHTS_FILE) as temporary:
        save_file(plain, str(temporary), metadata={"model": config.model})
    write_text_atomically(folder / CONFIG_FILE, json.dumps(asdict(config), indent=1))
    return folder


def load_checkpoint(folder: str | Path, device: str = "cpu") -> tuple[RunConfig, dict[str, torch.Tensor]]:
    from safetensors.torch import load_file

    folder = Path(folder)
    if not (folder / CONFIG_FILE).is_file() or not (folder / WEIGHTS_FILE).is_file():
        raise ModelError(f"{folder} is not a trained run: it needs {CONFIG_FILE} and {WEIGHTS_FILE} "
                         "(made by lipwright train)")
    try:
        data = json.loads((folder / CONFIG_FILE).read_text())
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise ModelError(f"{folder} was saved by a newer Lipwright (format {data['format_version']}); "
                             "update Lipwright to load it")
        config = RunConfig(**data)
    except (json.JSONDecodeError, TypeError) as error:
        raise ModelError(f"{folder / CONFIG_FILE} cannot be read as a run's config ({error})") from error
    return config, load_file(str(folder / WEIGHTS_FILE), device=device)
