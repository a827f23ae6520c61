"""Open the vowels a phone search heard as something narrower, where the sound says the tract was open.

Without a transcript most of the open vowels that did not open the mouth (0.16 of them in `fast` on the
unseen-voice development set) were recognised as the l, w, er, uw or schwa beside them, or as a short
silence; none was recognised as an open vowel. Each such phone whose sound is clearly open
(audio/vowel_openness.py) is relabelled as the open vowel nearest its shape: rounded ones as AO, the rest as
AA or AE. Timings stay; p, b, m, longer pauses and the other consonants are never touched, so no closure
moves and no pause opens."""

from __future__ import annotations

import numpy as np

from ..audio.vowel_openness import STEP_SECONDS
from .phone import SILENCE, Phone

# Recognised label -> the open vowel it becomes. r is left: its own F1 sits high (the cue ranked it with the
# open vowels as often as not on the development set).
OPENED = {"L": "AO", "W": "AO", "UW": "AO", "UH": "AO", "OW": "AO", "ER": "AA", "AH": "AA", "EH": "AE",
          SILENCE: "AA"}
# A "silence" no longer than a vowel can be one the search lost (loud and open: the cue's level is in it);
# a longer one is a pause, or noise, music or a cough in one, and stays at rest.
MAX_SILENCE_SECONDS = 0.3
# The phone's median cue must pass this: on the development set, fast mode, 0.73 of the phones it relabelled
# were open vowels in truth, and 0.11 other vowels (1.0: 0.60 and 0.26; 1.5: 0.83, fewer opened).
OPEN_CUE = 1.25


def opened_as_heard(phones: list[Phone], openness: np.ndarray, step: float = STEP_SECONDS) -> list[Phone]:
    """`phones` with each OPENED label whose median `openness` (one value per `step` seconds, value k at
    k * step) over its span exceeds OPEN_CUE relabelled as its open vowel."""
    if not len(openness):
        return list(phones)
    return [Phone(OPENED[phone.label], phone.start, phone.end) if _narrowed(phone, openness, step) else phone
            for phone in phones]


def _narrowed(phone: Phone, openness: np.ndarray, step: float) -> bool:
    if phone.label not in OPENED or (phone.label == SILENCE and phone.duration > MAX_SILENCE_SECONDS):
        return False
    return _median_over(openness, phone, step) > OPEN_CUE


def _median_over(openness: np.ndarray, phone: Phone, step: float) -> float:
    """The median over the steps inside the phone; the nearest step when none is."""
    first, last = int(np.ceil(phone.start / step)), int(np.floor(phone.end / step))
    if last < first:
        first = last = int(round(phone.centre / step))
    first, last = min(first, len(openness) - 1), min(last, len(openness) - 1)
    return float(np.median(openness[first:last + 1]))
