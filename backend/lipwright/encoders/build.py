"""One audio encoder from the description a run's config keeps of it, so that a checkpoint rebuilds
the encoder it was trained with."""

from __future__ import annotations

from dataclasses import fields

from torch import nn

from ..errors import ModelError
from .log_mel import LogMelConfig, LogMelEncoder

ENCODER_KINDS = ("log-mel", "wav2vec2", "hubert")


def log_mel_spec(**settings) -> dict:
    """The description of a log-mel encoder with these settings (the rest at their defaults)."""
    return {"kind": "log-mel", **LogMelConfig(**settings).to_dict()}


def _log_mel_config(spec: dict) -> LogMelConfig:
    """The settings of a log-mel description (other keys ignored; missing ones at their defaults)."""
    known = {field.name for field in fields(LogMelConfig)}
    return LogMelConfig(**{key: value for key, value in spec.items() if key in known})


def described_whole(spec: dict) -> dict:
    """A log-mel description with the settings it lacks at their defaults (a run from before a setting existed
    means the default), so two descriptions of one encoder compare equal; other kinds as they are."""
    if spec.get("kind") != "log-mel":
        return spec
    return {**spec, "kind": "log-mel", **_log_mel_config(spec).to_dict()}


def build_encoder(spec: dict) -> nn.Module:
    """spec: {"kind": "log-mel", ...LogMelConfig} or {"kind": "wav2vec2" | "hubert", "path": folder}.
    The module maps (audio (batch, samples), frames, lengths) to (batch, frames, .dim)."""
    kind = spec.get("kind")
    if kind == "log-mel":
        return LogMelEncoder(_log_mel_config(spec))
    if kind in ("wav2vec2", "hubert"):
        from .pretrained_speech import load_pretrained_speech_encoder

        if not spec.get("path"):
            raise ModelError(f"a {kind} encoder needs the folder it was loaded from (\"path\" in the run's config)")
        return load_pretrained_speech_encoder(spec["path"])
    raise ModelError(f"unknown audio encoder {kind!r}: use one of {', '.join(ENCODER_KINDS)}")
