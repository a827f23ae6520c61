"""JambaTalk: speech to motion through a hybrid Transformer-Mamba decoder (Jamba blocks from
`transformers`: selective state-space layers interleaved with grouped-query attention layers, and
mixture-of-experts feed-forward layers with their load-balancing loss), with rotary position
embeddings added to the attention layers as JambaTalk does (Jamba itself has none).

Two modes, chosen at training and kept in the run's config:
- autoregressive (the paper's): frame t's input is the audio at t plus the motion of frame t-1,
  teacher-forced in training, fed back one frame at a time (with the decoder's cache) at inference;
- non-autoregressive: frame t's input is the audio `lookahead` frames ahead of t, so the causal
  decoder still hears what comes next; one pass per line, an order of magnitude faster on a CPU.
The selective scan runs in plain PyTorch on a CPU and through `mamba-ssm`'s fused kernels when that
package is installed on a CUDA machine (transformers picks the path; parts/mamba_kernels.py keeps the
Mamba layers in fp32 and off the kernels on the CPU, where the kernels fail)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import JambaConfig
from transformers.models.jamba import modeling_jamba
from transformers.models.jamba.modeling_jamba import JambaAttention, JambaModel, load_balancing_loss_func

from ..encoders.build import build_encoder
from ..errors import ModelError
from ..training.batches import Batch
from ..training.checkpoint import RunConfig
from .parts.clip_audio import encode_clips
from .parts.contacts import apply_contacts, contact_loss
from .parts.mamba_kernels import FullPrecisionMambaMixer
from .parts.masks import length_mask
from .parts.motion_loss import masked_motion_loss
from .parts.phone_head import heard_bilabials, phone_head
from .parts.speaker_style import SpeakerStyle
from .settings import settings_from_dict


@dataclass(frozen=True)
class JambaTalkSettings:
    hidden: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2  # grouped-query attention: heads share key/value heads in groups
    feed_forward: int = 256
    experts: int = 4
    experts_per_frame: int = 2
    attention_every: int = 2  # one attention layer per this many layers, the others Mamba
    attention_offset: int = 1
    experts_every: int = 2  # one mixture-of-experts feed-forward per this many layers
    experts_offset: int = 1
    state: int = 16  # Mamba's state size
    expand: int = 2  # Mamba's inner width, in multiples of `hidden`
    rope_theta: float = 10000.0
    autoregressive: bool = False
    lookahead: int = 3  # non-autoregressive: frames of audio heard ahead of the frame predicted
    dropout: float = 0.1
    velocity_weight: float = 1.0  # frame-to-frame motion error beside the per-frame error
    # The experts' load-balancing loss is about `experts_per_frame` when balanced, while the motion error
    # of ARKit weights is a few thousandths: a language model's 0.01 would drown the motion.
    balance_weight: float = 1e-4
    # Weights space: learn per-frame "lips sealed" and "lower face at rest" beside the weights and
    # commit them at inference (models/parts/contacts.py).
    contacts: bool = False
    contact_weight: float = 0.01
    contact_threshold: float = 0.5  # the probability above which a decision is committed
    # A phone head naming each frame's phone from the audio features (parts/phone_head.py), trained
    # beside the motion with phone_weight where the corpus knows its phones, or fitted afterwards
    # (scripts/fit_phone_head.py). Cross-entropy is 1-2 where the motion error is a few thousandths.
    phones: bool = False
    phone_weight: float = 0.003
    # Weights space: also seal the lips where the phone head puts at least this on p, b and m together
    # (0: off). Its posterior hears closures on unseen voices that the contact decisions miss.
    bilabial_seal: float = 0.0

    @classmethod
    def from_dict(cls, values: dict) -> "JambaTalkSettings":
        return settings_from_dict(cls, values, "jambatalk")

    def jamba_config(self) -> JambaConfig:
        return JambaConfig(
            vocab_size=1, hidden_size=self.hidden, intermediate_size=self.feed_forward,
            num_hidden_layers=self.layers, num_attention_heads=self.heads, num_key_value_heads=self.kv_heads,
            num_experts=self.experts, num_experts_per_tok=self.experts_per_frame,
            expert_layer_period=self.experts_every, expert_layer_offset=self.experts_offset,
            attn_layer_period=self.attention_every, attn_layer_offset=self.attention_offset,
            mamba_d_state=self.state, mamba_d_conv=4, mamba_expand=self.expand, attention_dropout=self.dropout,
            # mamba.py's parallel scan when mamba-ssm's kernels are absent: the reference loop's backward
            # allocates a full-size gradient per frame, 10x slower to train on a CPU.
            use_mambapy=True,
            tie_word_embeddings=False, pad_token_id=0, bos_token_id=0, eos_token_id=0,
        )


def rotary_cos_sin(positions: torch.Tensor, head_dim: int, theta: float, dtype: torch.dtype
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """positions: (batch, frames) -> cos, sin: (batch, frames, head_dim), RoPE's rotation angles."""
    inverse = 1.0 / (theta ** (torch.arange(0, head_dim, 2, device=positions.device).float() / head_dim))
    angles = positions.float()[..., None] * inverse
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos().to(dtype), angles.sin().to(dtype)


class RotaryJambaAttention(JambaAttention):
    """Jamba's grouped-query attention with rotary position embeddings on queries and keys."""

    def __init__(self, config: JambaConfig, layer_idx: int, theta: float):
        super().__init__(config, layer_idx)
        self.theta = theta

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None,
                cache=None, position_ids: torch.Tensor | None = None, **kwargs):
        shape = (*hidden_states.shape[:-1], -1, self.head_dim)
        query = self.q_proj(hidden_states).view(shape).transpose(1, 2)
        key = self.k_proj(hidden_states).view(shape).transpose(1, 2)
        value = self.v_proj(hidden_states).view(shape).transpose(1, 2)
        if position_ids is None:
            position_ids = torch.arange(hidden_states.shape[1], device=hidden_states.device)[None]
        cos, sin = rotary_cos_sin(position_ids, self.head_dim, self.theta, query.dtype)
        query, key = modeling_jamba.apply_rotary_pos_emb(query, key, cos, sin)
        if cache is not None:
            key, value = cache.update(key, value, self.layer_idx, kwargs=kwargs)
        attend = modeling_jamba.ALL_ATTENTION_FUNCTIONS.get_interface(
            self.config._attn_implementation, modeling_jamba.eager_attention_forward)
        kwargs.pop("use_cache", None)
        output, weights = attend(self, query, key, value, attention_mask,
                                 dropout=self.attention_dropout if self.training else 0.0, scaling=self.scaling,
                                 **kwargs)
        return self.o_proj(output.reshape(*hidden_states.shape[:-1], -1).contiguous()), weights


class JambaTalk(nn.Module):
    def __init__(self, config: RunConfig):
        super().__init__()
        self.config = config
        self.settings = settings = JambaTalkSettings.from_dict(config.settings)
        self.encoder = build_encoder(config.encoder)
        self.audio_in = nn.Linear(self.encoder.dim, settings.hidden)
        self.motion_in = nn.Linear(config.motion_dim, settings.hidden) if settings.autoregressive else None
        self.style = SpeakerStyle(max(len(config.speakers), 1), settings.hidden)
        self.dropout = nn.Dropout(settings.dropout)
        jamba_config = settings.jamba_config()
        self.decoder = JambaModel(jamba_config)
        for index, layer in enumerate(self.decoder.layers):
            if hasattr(layer, "self_attn"):
                layer.self_attn = RotaryJambaAttention(jamba_config, index, settings.rope_theta)
            if hasattr(layer, "mamba"):
                guarded = FullPrecisionMambaMixer(jamba_config, index)
                guarded.load_state_dict(layer.mamba.state_dict())  # keep Jamba's own initialisation
                layer.mamba = guarded
        if settings.contacts and config.motion_space != "weights":
            raise ModelError("contacts (sealed lips, rest) are decided in ARKit-weights space: train with "
                             "--space weights, or leave contacts off")
        self.motion_out = nn.Linear(settings.hidden, config.motion_dim)
        self.contact_out = nn.Linear(settings.hidden, 2) if settings.contacts else None
        self.phone_net = phone_head(settings.phones, self.encoder.dim, settings.bilabial_seal, config.motion_space)
        # Start from "no motion": the first steps of training then learn movement, not to undo noise.
        nn.init.zeros_(self.motion_out.weight)
        nn.init.zeros_(self.motion_out.bias)

    def settings_dict(self) -> dict:
        return asdict(self.settings)

    # -- the shared parts of training and inference --
    @property
    def _ahead(self) -> int:
        return 0 if self.settings.autoregressive else self.settings.lookahead

    def _audio(self, audio: torch.Tensor, frames: list[int]) -> torch.Tensor:
        """(batch, max(frames), encoder.dim): the audio each frame's input hears (`lookahead` frames ahead;
        after the line, silence, as in training)."""
        return encode_clips(self.encoder, audio, frames, self.config.fps, self._ahead)

    def _decode(self, inputs: torch.Tensor, mask: torch.Tensor | None, router_logits: bool = False):
        """(motion, contact logits or None, router logits or None)."""
        output = self.decoder(inputs_embeds=inputs, attention_mask=None if mask is None else mask.long(),
                              output_router_logits=router_logits)
        hidden = output.last_hidden_state
        contacts = None if self.contact_out is None else self.contact_out(hidden)
        return self.motion_out(hidden), contacts, getattr(output, "router_logits", None)

    def phone_features(self, audio: torch.Tensor, frames: list[int]) -> tuple[torch.Tensor, int]:
        """(the features the phone head reads, how many frames ahead of its own each row hears)."""
        return self._audio(audio, frames), self._ahead

    def _inputs(self, audio_features: torch.Tensor, speakers: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.audio_in(audio_features) + self.style(speakers)[:, None, :])

    # -- training --
    def loss(self, batch: Batch) -> torch.Tensor:
        features = self._audio(batch.audio, batch.frames)
        inputs = self._inputs(features, batch.speakers)
        if self.motion_in is not None:  # teacher forcing: the true previous frame
            inputs = inputs + self.motion_in(F.pad(batch.motion[:, :-1], (0, 0, 1, 0)))
        predicted, contacts, router_logits = self._decode(inputs, batch.frame_mask, router_logits=True)
        loss = (masked_motion_loss(predicted, batch.motion, batch.frame_mask, self.settings.velocity_weight)
                + self.settings.balance_weight * self._balance(router_logits, batch.frame_mask))
        if contacts is not None:
            loss = loss + self.settings.contact_weight * contact_loss(contacts, batch.motion, batch.frame_mask)
        if self.phone_net is not None:
            loss = loss + self.settings.phone_weight * self.phone_net.loss(features, batch.phones, self._ahead)
        return loss

    def _balance(self, router_logits, mask: torch.Tensor) -> torch.Tensor:
        if not router_logits:
            return torch.zeros((), device=mask.device)
        loss = load_balancing_loss_func(tuple(router_logits), self.settings.experts, self.settings.experts_per_frame,
                                        mask.long())
        return loss if torch.is_tensor(loss) else torch.zeros((), device=mask.device)

    # -- inference --
    @torch.no_grad()
    def predict(self, audio: torch.Tensor, frames: list[int], speakers: torch.Tensor) -> torch.Tensor:
        longest = max(frames)
        mask = length_mask(frames, longest, audio.device)
        features = self._audio(audio, frames)
        inputs = self._inputs(features, speakers)
        bilabial = heard_bilabials(self.phone_net, features, self._ahead, self.settings.bilabial_seal)
        if self.motion_in is not None:
            return self._feed_back(inputs, bilabial)
        motion, contacts, _ = self._decode(inputs, mask)
        return self._committed(motion, contacts, bilabial)

    def _committed(self, motion: torch.Tensor, contacts: torch.Tensor | None, bilabial: torch.Tensor | None
                   ) -> torch.Tensor:
        if contacts is None and bilabial is None:
            return motion
        return apply_contacts(motion, contacts, self.settings.contact_threshold, bilabial, self.settings.bilabial_seal)

    def _feed_back(self, inputs: torch.Tensor, bilabial: torch.Tensor | None = None) -> torch.Tensor:
        """Autoregressive inference: one frame at a time, each fed the frame before, the decoder's
        attention keys and Mamba states kept in its cache so each step costs one frame's work."""
        from transformers import DynamicCache

        cache = DynamicCache(config=self.decoder.config)
        previous = torch.zeros(inputs.shape[0], 1, self.config.motion_dim, device=inputs.device, dtype=inputs.dtype)
        outputs, contacts = [], []
        for t in range(inputs.shape[1]):
            step = inputs[:, t:t + 1] + self.motion_in(previous)
            # Positions given: a hybrid cache's first layer may be Mamba, which counts no past frames.
            position = torch.full((inputs.shape[0], 1), t, device=inputs.device)
            hidden = self.decoder(inputs_embeds=step, cache=cache, use_cache=True,
                                  position_ids=position).last_hidden_state
            previous = self.motion_out(hidden)
            outputs.append(previous)
            if self.contact_out is not None:
                contacts.append(self.contact_out(hidden))
        motion = torch.cat(outputs, dim=1)
        # The raw weights were fed back (as in training); the decisions apply to what is returned.
        return self._committed(motion, torch.cat(contacts, dim=1) if contacts else None, bilabial)

