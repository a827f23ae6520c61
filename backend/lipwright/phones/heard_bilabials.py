"""Recognised phones weighed against the p/b/m that trained networks hear.

The phone search hears a p, b or m at the wrong place of articulation (a t, d or n) about as often
as it hears a t, d or n that was never a p, b or m. The networks' phone heads tell a bilabial from
those consonants far better (area under the ROC curve 0.93, benchmarks/RESULTS.md), so each
recognised consonant of that kind is relabelled by what the networks hear over it: a recognised
T/D/K/N/... becomes its bilabial where they hear one clearly, and a recognised P/B/M becomes its
alveolar counterpart where they hear almost none. The search keeps deciding where a consonant is and
how long it lasts; the networks only say which one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .closures import BILABIAL_FOR
from .phone import Phone

# Chosen on the unseen-voice development set (benchmarks/RESULTS.md, session 28): the most closures
# with fewer closures off p/b/m than the phone search and the networks' sealed lips alone.
CONFIRM = 0.3  # a recognised T/D/K/N/... heard as p, b or m with at least this probability becomes one
KEEP = 0.1  # a recognised P/B/M heard as p, b or m with less than this probability is not one
# What a p, b or m most often was when it was not one: the same voicing and manner, made by the tongue.
COUNTERPART = {"P": "T", "B": "D", "M": "N"}


@dataclass(frozen=True)
class HeardLips:
    """What networks heard in a clip: where they sealed the lips, and how sure they are of p, b or m."""

    sealed: list[tuple[float, float]]  # (start, end) seconds of every span where the lips were sealed
    bilabial: np.ndarray | None = None  # (frames,) probability of p, b or m, frame t at t / fps; None: unheard
    fps: float = 30.0


def weigh_bilabials(phones: list[Phone], bilabial: np.ndarray, fps: float, confirm: float = CONFIRM,
                    keep: float = KEEP) -> list[Phone]:
    """`phones` with each consonant the search confuses with p/b/m relabelled by `bilabial` (per frame,
    frame t at t / fps), its timing kept: see the module's docstring. A phone's evidence is the highest
    probability over the frames it covers and one frame either side (a closure's release is brief)."""
    if not 0 <= keep <= confirm <= 1:
        raise ValueError(f"need 0 <= keep <= confirm <= 1, got keep {keep}, confirm {confirm}")
    bilabial = np.asarray(bilabial, dtype=np.float64)
    weighed = []
    for phone in phones:
        label = phone.label
        if label in BILABIAL_FOR or label in COUNTERPART:
            heard = _highest(bilabial, phone, fps)
            if label in BILABIAL_FOR and heard >= confirm:
                label = BILABIAL_FOR[label]
            elif label in COUNTERPART and heard < keep:
                label = COUNTERPART[label]
        weighed.append(phone if label == phone.label else Phone(label, phone.start, phone.end))
    return weighed


def _highest(bilabial: np.ndarray, phone: Phone, fps: float) -> float:
    first = max(int(np.floor(phone.start * fps)) - 1, 0)
    last = min(int(np.ceil(phone.end * fps)) + 1, len(bilabial))
    # Past the frames heard (a clip's last instant): no evidence either way, so the search's word stands.
    return float(bilabial[first:last].max()) if last > first else float("nan")
