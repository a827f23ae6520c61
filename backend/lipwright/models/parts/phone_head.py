"""A phone classifier on a network's per-frame audio features.

The motion loss rewards the mean gesture, and a p, a t and a k differ in the motion by a few frames of
lip contact, so an encoder trained on motion alone learns to tell them apart on the voices it heard
and little more. Asking the same features to name the phone at every frame (cross-entropy against the
synthesiser's own phones) is the phonetic supervision speech-driven face models add for voices they
never heard. The head's bilabial posterior is also closure evidence: with a network's `bilabial_seal`
setting the lips seal where it hears p, b or m (contacts.apply_contacts), and every recognition mode weighs
the phone search's consonants by the shipped heads (run in numpy: models/phone_heads.py; phones/heard_bilabials.py). It can be fitted alone on a trained network's frozen features (training/phone_probe.py),
every other weight unchanged."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import ModelError
from ...phones.phone import SILENCE
from ...training.phone_labels import PHONE_CLASSES, UNKNOWN

_BILABIALS = [PHONE_CLASSES.index(label) for label in ("P", "B", "M")]
_SILENCE = PHONE_CLASSES.index(SILENCE)


class PhoneHead(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.out = nn.Linear(features, len(PHONE_CLASSES))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(batch, frames, features) -> (batch, frames, classes) logits."""
        return self.out(features)

    def posteriors(self, features: torch.Tensor, ahead: int = 0) -> torch.Tensor:
        """(batch, frames, classes) phone probabilities, row t for frame t: features[:, t] hear frame
        t + `ahead`, so the first `ahead` frames, which no row hears, count as silence (nothing to seal)."""
        probabilities = self(features).float().softmax(dim=-1)
        unheard = probabilities.new_zeros((len(features), ahead, probabilities.shape[-1]))
        unheard[..., _SILENCE] = 1.0
        return torch.cat([unheard, probabilities], dim=1)[:, :features.shape[1]]

    def bilabial(self, features: torch.Tensor, ahead: int = 0) -> torch.Tensor:
        """(batch, frames): the probability of p, b or m at each frame (posteriors' row t is frame t)."""
        return self.posteriors(features, ahead)[..., _BILABIALS].sum(dim=-1)

    def loss(self, features: torch.Tensor, phones: torch.Tensor | None, ahead: int = 0) -> torch.Tensor:
        """Mean cross-entropy over the frames whose phone is known. features[:, t] hears frame t + `ahead`
        (a look-ahead network's input), so it is asked for that frame's phone. Zero when no frame is known
        (a corpus without phones), so a network with the head still trains on VOCASET or BIWI."""
        nothing = features.sum() * 0  # zero, still in the graph, so backward runs as for any loss
        if phones is None:
            return nothing
        targets = phones[:, ahead:]
        targets = F.pad(targets, (0, features.shape[1] - targets.shape[1]), value=UNKNOWN)
        known = targets != UNKNOWN
        if not bool(known.any()):
            return nothing
        return F.cross_entropy(self(features)[known].float(), targets[known])


def phone_head(enabled: bool, features: int, bilabial_seal: float = 0.0, motion_space: str = "weights"
               ) -> PhoneHead | None:
    """A network's PhoneHead when its `phones` setting is on, else None (and no weights in its checkpoint).
    bilabial_seal > 0 (seal the lips where the head hears p, b or m) needs the head and ARKit weights."""
    if bilabial_seal > 0 and not enabled:
        raise ModelError("bilabial_seal reads the phone head: set phones=true too (or fit a head on the run "
                         "with scripts/fit_phone_head.py)")
    if bilabial_seal > 0 and motion_space != "weights":
        raise ModelError("bilabial_seal seals the lips in ARKit-weights space: train with --space weights, or "
                         "leave bilabial_seal at 0")
    return PhoneHead(features) if enabled else None


def heard_bilabials(head: PhoneHead | None, features: torch.Tensor, ahead: int, threshold: float
                    ) -> torch.Tensor | None:
    """(batch, frames) probability of p, b or m where the network seals on it (threshold > 0), else None."""
    return head.bilabial(features, ahead) if head is not None and threshold > 0 else None
