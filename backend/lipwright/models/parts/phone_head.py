"""An auxiliary phone classifier on a network's per-frame audio features, used in training only.

The motion loss rewards the mean gesture, and a p, a t and a k differ in the motion by a few frames of
lip contact, so an encoder trained on motion alone learns to tell them apart on the voices it heard
and little more. Asking the same features to name the phone at every frame (cross-entropy against the
synthesiser's own phones) is the phonetic supervision speech-driven face models add for voices they
never heard. At inference the head is unused; the features it shaped are what the motion reads."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...training.phone_labels import PHONE_CLASSES, UNKNOWN


class PhoneHead(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.out = nn.Linear(features, len(PHONE_CLASSES))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """(batch, frames, features) -> (batch, frames, classes) logits."""
        return self.out(features)

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


def phone_head(enabled: bool, features: int) -> PhoneHead | None:
    """A network's PhoneHead when its `phones` setting is on, else None (and no weights in its checkpoint)."""
    return PhoneHead(features) if enabled else None
