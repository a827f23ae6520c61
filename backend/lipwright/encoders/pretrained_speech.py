"""wav2vec 2.0 or HuBERT from a folder on this machine (as `save_pretrained` or the Hugging Face hub
writes it), never downloaded: the feature encoder (the convolutions) frozen, as the field trains it."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from ..errors import ModelError
from .frame_rate import at_frame_times, to_frames

SPEECH_MODEL_TYPES = ("wav2vec2", "hubert")


class PretrainedSpeechEncoder(nn.Module):
    """audio: (batch, samples) at 16 kHz -> features: (batch, frames, hidden_size)."""

    def __init__(self, model: nn.Module, normalise: bool):
        super().__init__()
        self.model = model
        self.normalise = normalise
        self.dim = model.config.hidden_size

    def forward(self, audio: torch.Tensor, frames: int, lengths: torch.Tensor | None = None,
                fps: float | None = None) -> torch.Tensor:
        # No attention mask: wav2vec 2.0 base was trained on zero padding without one.
        if self.normalise:  # what the model's feature extractor did to its training audio, over real samples
            real = torch.ones_like(audio) if lengths is None else \
                (torch.arange(audio.shape[-1], device=audio.device)[None, :] < lengths[:, None]).to(audio.dtype)
            count = real.sum(dim=-1, keepdim=True).clamp(min=1)
            mean = (audio * real).sum(dim=-1, keepdim=True) / count
            variance = (((audio - mean) * real) ** 2).sum(dim=-1, keepdim=True) / count
            audio = (audio - mean) / torch.sqrt(variance + 1e-7) * real
        hidden = self.model(audio).last_hidden_state
        if fps is None:
            return to_frames(hidden, frames)
        # The convolutions step 320 samples: 50 feature steps per second at 16 kHz.
        return at_frame_times(hidden, 16000 / 320, fps, frames)


def load_pretrained_speech_encoder(folder: str | Path) -> PretrainedSpeechEncoder:
    """Load the wav2vec 2.0 / HuBERT model saved in `folder`; raises ModelError naming what is missing."""
    folder = Path(folder)
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise ModelError(f"no speech encoder in {folder}: it needs config.json and the weights of a wav2vec 2.0 or "
                         "HuBERT model (for example facebook/wav2vec2-base-960h, downloaded once into that folder)")
    model_type = json.loads(config_file.read_text()).get("model_type")
    if model_type not in SPEECH_MODEL_TYPES:
        raise ModelError(f"{folder} holds a {model_type!r} model; the speech encoder must be one of "
                         f"{', '.join(SPEECH_MODEL_TYPES)}")
    try:
        from transformers import HubertModel, Wav2Vec2Model
    except ImportError as error:
        raise ModelError("pretrained speech encoders need the `transformers` package: pip install transformers") \
            from error
    model_class = Wav2Vec2Model if model_type == "wav2vec2" else HubertModel
    try:
        model = model_class.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot load the speech encoder in {folder}: {error}") from error
    # The field fine-tunes the transformer layers but not the convolutions that read the waveform.
    for parameter in model.feature_extractor.parameters():
        parameter.requires_grad = False
    return PretrainedSpeechEncoder(model, _normalises(folder))


def _normalises(folder: Path) -> bool:
    preprocessor = folder / "preprocessor_config.json"
    if preprocessor.is_file():
        return bool(json.loads(preprocessor.read_text()).get("do_normalize", True))
    return True
