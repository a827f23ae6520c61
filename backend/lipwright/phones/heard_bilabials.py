"""Recognised phones weighed against the p/b/m that trained networks hear.

The phone search hears a p, b or m at the wrong place of articulation (a t, d or n) about as often
as it hears a t, d or n that was never a p, b or m. The networks' phone heads tell a bilabial from
those consonants far better (area under the ROC curve 0.93, benchmarks/RESULTS.md), so each
recognised consonant of that kind is relabelled by what the networks hear over it: a recognised
T/D/K/N/... becomes its bilabial where they hear one clearly, and a recognised P/B/M becomes its
alveolar counterpart where they hear almost none. The search keeps deciding where a consonant is and
how long it lasts; the networks only say which one. Where the heads hear p, b or m as clearly over
speech the search heard as a vowel, an l or a w, a closure is cut in there, as where a network's motion
sealed the lips (closures.add_sealed_spans). Frames no network heard (a look-ahead network's first ones)
are NaN and count for neither side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..runs import true_runs
from .closures import BILABIAL_FOR, add_sealed_spans
from .phone import Phone

# Chosen on the unseen-voice development set at 30 fps (benchmarks/measure_heard_bilabials.py): the most
# closures while each step costs at most one closure off p/b/m per closure gained.
CONFIRM = 0.3  # a recognised T/D/K/N/... heard as p, b or m with at least this probability becomes one
KEEP = 0.1  # a recognised P/B/M heard as p, b or m with less than this probability is not one
# On a muffled line (audio/band_extension.is_muffled) a t, d or k burst without its high band sounds like a p
# or b to the heads as to the search: the development clips low-passed at 3 kHz closed 0.89 of p/b/m with 48
# closures off p/b/m per 100 at the thresholds above. Chosen there by the same rule as above (the most closures
# while each step costs at most one closure off p/b/m per closure gained): 0.73 with 23 (0.5 / 0.1: 0.82 with
# 37; 0.7 / 0.3: 0.66 with 17).
MUFFLED_CONFIRM, MUFFLED_KEEP = 0.5, 0.3
# What a p, b or m most often was when it was not one: the same voicing and manner, made by the tongue.
# (Each is one of the consonants BILABIAL_FOR turns back into that bilabial.)
COUNTERPART = {"P": "T", "B": "D", "M": "N"}


@dataclass(frozen=True)
class HeardLips:
    """What networks heard in a clip: where they sealed the lips, and how sure they are of p, b or m."""

    sealed: list[tuple[float, float]]  # (start, end) seconds of every span where the lips were sealed
    bilabial: np.ndarray | None  # (frames,) probability of p, b or m, frame t at t / fps (NaN: unheard); None: no heads
    fps: float  # the frame rate of `bilabial`: the networks' own, whatever the animation's


def checked_by_networks(phones: list[Phone], heard: HeardLips, duration: float, confirm: float = CONFIRM,
                        keep: float = KEEP) -> list[Phone]:
    """The search's `phones` weighed by the heads (when there are any), then a closure wherever a network
    sealed the lips or the heads hear p, b or m with at least `confirm`, and none is near
    (closures.add_sealed_spans): a p/b/m the search heard as a vowel, an l or nothing has no consonant to
    relabel."""
    sealed = list(heard.sealed)
    if heard.bilabial is not None:
        phones = weigh_bilabials(phones, heard.bilabial, heard.fps, confirm, keep)
        sealed += heard_spans(heard.bilabial, heard.fps, confirm)
    return add_sealed_spans(phones, sealed, duration)


def heard_spans(bilabial: np.ndarray, fps: float, confirm: float = CONFIRM) -> list[tuple[float, float]]:
    """(start, end) seconds of every run of frames (frame t covering [t / fps, (t + 1) / fps)) where the heads
    hear p, b or m with at least `confirm`; unheard (NaN) frames are not."""
    heard = np.nan_to_num(np.asarray(bilabial, dtype=np.float64), nan=-1.0) >= confirm
    return [(first / fps, end / fps) for first, end in true_runs(heard)]


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
            heard = highest_near(bilabial, phone.start, phone.end, fps)
            if label in BILABIAL_FOR and heard >= confirm:
                label = BILABIAL_FOR[label]
            elif label in COUNTERPART and heard < keep:
                label = COUNTERPART[label]
        weighed.append(phone if label == phone.label else Phone(label, phone.start, phone.end))
    return weighed


def highest_near(bilabial: np.ndarray, start: float, end: float, fps: float) -> float:
    """The highest probability over frames_near [start, end); NaN where nothing was heard there (past the
    frames heard, or unheard frames only): then the search's word stands."""
    near = bilabial[frames_near(start, end, len(bilabial), fps)]
    near = near[~np.isnan(near)]
    return float(near.max()) if len(near) else float("nan")


def frames_near(start: float, end: float, frames: int, fps: float) -> slice:
    """The frames (frame t covering [t / fps, (t + 1) / fps)) that [start, end) overlaps, and one either side.
    The tolerance keeps float error (4.1 s x 30 = 122.99999...) from moving an edge by a frame."""
    first = max(int(np.floor(start * fps + 1e-6)) - 1, 0)
    last = min(int(np.ceil(end * fps - 1e-6)) + 1, frames)
    return slice(first, max(first, last))
