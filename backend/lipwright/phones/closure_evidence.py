"""Check recognised p and b against the sound: shut lips silence everything above 1 kHz for a moment.

A recogniser's p or b where the high band never goes quiet (in a fricative, a vowel, a t it mistook)
shuts the mouth where the speaker did not: the commonest false closure without a transcript."""

from __future__ import annotations

import numpy as np

from ..audio.band_levels import BandLevels, band_levels
from ..audio.clip import AudioClip
from .phone import Phone

# The same voicing, made behind the lips: what a rejected closure most often was (t, d in the
# synthesiser's truth on the tuning voices).
NOT_CLOSED = {"P": "T", "B": "D"}
# The quietest 25 ms of a true p or b on the tuning voices (flite awb/rms, festival ked, 8 kHz copies)
# measured -54 dB or lower against the loud speech; recognised ones that never got below -50 dB had
# no p, b or m in the truth within 67 ms (36 of 36).
CLOSURE_CEILING_DB = -50.0
# In a noisy recording the closure is only as quiet as the noise: allow this much above the clip's
# own quietest high band.
NOISE_MARGIN_DB = 12.0
NOISE_PERCENTILE = 5.0


def reject_unheard_closures(phones: list[Phone], clip: AudioClip, levels: BandLevels | None = None) -> list[Phone]:
    """`phones` with each P or B whose span never goes quiet above 1 kHz relabelled T or D."""
    if not any(p.label in NOT_CLOSED for p in phones):
        return phones
    levels = levels if levels is not None else band_levels(clip)
    if not len(levels.times):
        return phones
    ceiling = max(CLOSURE_CEILING_DB, float(np.percentile(levels.high_db, NOISE_PERCENTILE)) + NOISE_MARGIN_DB)
    return [Phone(NOT_CLOSED[p.label], p.start, p.end)
            if p.label in NOT_CLOSED and _quietest(levels, p) > ceiling else p for p in phones]


def _quietest(levels: BandLevels, phone: Phone) -> float:
    first = int(np.searchsorted(levels.times, phone.start))
    last = max(int(np.searchsorted(levels.times, phone.end)), first + 1)
    span = levels.high_db[min(first, len(levels.times) - 1):last]
    return float(span.min())
