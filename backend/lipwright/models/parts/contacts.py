"""Lip contact for weights-space networks: a regression network averages where the lips nearly
meet, so they never quite seal on p/b/m and never quite let go in pauses. Two per-frame decisions,
learned beside the weights from the teacher's own frames, commit them:
- sealed: the lips touch (the jaw's parting cancelled by mouthClose, the lip-parting units off),
- rest: the lower face lets go (every jaw and lip unit at zero).
The teacher's frames are labelled with the measures' own definitions (metrics/lipsync.py).
ContactHead decides them from what a sampling network gives (landmarks, decoded weights, ...)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ...errors import ModelError
# The measures' own thresholds: sealed at or under SEALED mouth opening, at rest under REST_WEIGHT.
from ...metrics.lipsync import REST_WEIGHT
from ...metrics.lipsync import SEALED as SEALED_OPENING
from ...motion.arkit import ARKIT_INDEX
from ...motion.visemes import GAP_LIP_UNITS, JAW_UNITS, LIP_OPENING_UNITS, LIP_UNITS
from .frame_convolutions import FrameConvolutions

_JAW, _CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
_GAP = [ARKIT_INDEX[name] for name in GAP_LIP_UNITS]
_PARTING = [ARKIT_INDEX[name] for name in LIP_OPENING_UNITS]
_LOWER_FACE = [ARKIT_INDEX[name] for name in (*JAW_UNITS, *LIP_UNITS)]


def mouth_opening(weights: torch.Tensor) -> torch.Tensor:
    """(..., 52) -> (...): motion/visemes.mouth_opening in torch (a test keeps the two equal)."""
    return F.relu(weights[..., _JAW] - weights[..., _CLOSE]) + 0.25 * weights[..., _GAP].sum(dim=-1)


def contact_targets(weights: torch.Tensor) -> torch.Tensor:
    """(batch, frames, 52) teacher weights -> (batch, frames, 2) float labels: sealed, rest."""
    sealed = mouth_opening(weights) <= SEALED_OPENING
    rest = weights[..., _LOWER_FACE].max(dim=-1).values < REST_WEIGHT
    return torch.stack([sealed, rest], dim=-1).to(weights.dtype)


def contact_loss(logits: torch.Tensor, weights: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of both decisions over real frames."""
    error = F.binary_cross_entropy_with_logits(logits, contact_targets(weights), reduction="none").mean(dim=-1)
    real = mask.to(error.dtype)
    return (error * real).sum() / real.sum().clamp(min=1)


def apply_contacts(weights: torch.Tensor, logits: torch.Tensor | None, threshold: float = 0.5,
                   bilabial: torch.Tensor | None = None, bilabial_threshold: float = 0.0) -> torch.Tensor:
    """Commit the decisions: sealed frames get lips that meet, rest frames a lower face at zero. A soft
    step around the threshold probability (0.1 either side) keeps the changes from popping. `bilabial`
    (batch, frames): a phone head's probability of p, b or m (parts/phone_head.py); the lips also seal
    where it reaches `bilabial_threshold`. logits None: no contact head, the bilabials alone decide."""
    if logits is None:
        sealed = rest = weights.new_zeros(weights.shape[:-1])
    else:
        sealed, rest = _soft_step(torch.sigmoid(logits), threshold).unbind(dim=-1)
    if bilabial is not None and bilabial_threshold > 0:
        sealed = torch.maximum(sealed, _soft_step(bilabial.to(sealed.dtype), bilabial_threshold))
    committed = weights.clone()
    gap = F.relu(weights[..., _JAW] - weights[..., _CLOSE])
    committed[..., _CLOSE] = weights[..., _CLOSE] + sealed * gap
    committed[..., _PARTING] = weights[..., _PARTING] * (1 - sealed)[..., None]
    committed[..., _LOWER_FACE] = committed[..., _LOWER_FACE] * (1 - rest)[..., None]
    return committed


class ContactHead(FrameConvolutions):
    """What a network gives per frame, seen: (batch, frames, features) -> logits (batch, frames, 2):
    sealed, rest. It learns from what the network predicts in training, detached (the decisions read
    the motion, they do not shape it), and at inference reads what sampling gave."""

    def __init__(self, features: int, hidden: int):
        super().__init__(features, 2, hidden)

    def loss(self, seen: torch.Tensor, teacher: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """contact_loss of the decisions on `seen` against the teacher's weights (batch, frames, 52)."""
        return contact_loss(self(seen.detach(), mask), teacher, mask)

    def commit(self, weights: torch.Tensor, seen: torch.Tensor, mask: torch.Tensor, threshold: float,
               bilabial: torch.Tensor | None = None, bilabial_threshold: float = 0.0) -> torch.Tensor:
        """`weights` (batch, frames, 52) with the decisions on `seen` committed (and the lips sealed where
        `bilabial` reaches `bilabial_threshold`: apply_contacts)."""
        return apply_contacts(weights, self(seen, mask), threshold, bilabial, bilabial_threshold)


def commit_decisions(weights: torch.Tensor, head: "ContactHead | None", seen: torch.Tensor, mask: torch.Tensor,
                     threshold: float, bilabial: torch.Tensor | None, bilabial_threshold: float) -> torch.Tensor:
    """`weights` with a sampling network's decisions committed: its ContactHead's on `seen` where it has one,
    and seals where a phone head heard p, b or m (`bilabial`, None when not asked); unchanged with neither."""
    if head is not None:
        return head.commit(weights, seen, mask, threshold, bilabial, bilabial_threshold)
    if bilabial is not None:
        return apply_contacts(weights, None, bilabial=bilabial, bilabial_threshold=bilabial_threshold)
    return weights


def contact_head(enabled: bool, motion_space: str, features: int, hidden: int) -> ContactHead | None:
    """A network's ContactHead when its `contacts` setting is on (weights space only), else None."""
    if not enabled:
        return None
    if motion_space != "weights":
        raise ModelError("contacts (sealed lips, rest) are decided in ARKit-weights space: train with "
                         "--space weights, or leave contacts off")
    return ContactHead(features, hidden)


def _soft_step(probability: torch.Tensor, threshold: float) -> torch.Tensor:
    x = ((probability - threshold + 0.1) / 0.2).clamp(0.0, 1.0)
    return x * x * (3 - 2 * x)
