"""Open the vowels a phone search heard as something narrower, where the sound says the tract was open.

Without a transcript most of the open vowels that did not open the mouth (0.16 of them in `fast` on the
unseen-voice development set) were recognised as the l, w, er, uw or schwa beside them, or lay inside a
recognised silence; none was recognised as an open vowel. Each such phone whose sound is clearly open
(audio/vowel_openness.py) is relabelled as the open vowel nearest its shape: rounded ones as AO, the rest as
AA or AE; a vowel-length stretch of open, voiced sound inside a silence, or inside an l that swallowed its
vowel, becomes an open vowel of its own. Timings
stay; p, b, m and the other consonants are never touched, so no closure moves, and a pause's quiet (or its
noise, which is not voiced) stays at rest."""

from __future__ import annotations

import numpy as np

from ..audio.vowel_openness import STEP_SECONDS
from ..runs import instants_within, true_runs
from .phone import SILENCE, Phone

# Recognised label -> the open vowel it becomes. r is left: its own F1 sits high (the cue ranked it with the
# open vowels as often as not on the development set).
OPENED = {"L": "AO", "W": "AO", "UW": "AO", "UH": "AO", "OW": "AO", "ER": "AA", "AH": "AA", "EH": "AE"}
# The phone's median cue must pass this: on the development set, fast mode, 0.73 of the phones it relabelled
# were open vowels in truth, and 0.11 other vowels (1.0: 0.60 and 0.26; 1.5: 0.83, fewer opened).
OPEN_CUE = 1.25
# A vowel the search lost inside a "silence" (the aligner's optional pause between words often swallows a
# short one), or merged into an l ("all", "walk" heard as one long l; on the development set 9 of 10 such cuts
# were open vowels in truth): a run of steps over OPEN_CUE as long as a vowel, cut out as the open vowel here;
# the rest keeps its label. A longer run in a pause (music, a held noise) stays at rest; a shorter one is a click.
CUT_OUT_OF = {SILENCE: "AA", "L": "AO"}
LOST_VOWEL_SECONDS = (0.04, 0.3)


def opened_as_heard(phones: list[Phone], openness: np.ndarray, step: float = STEP_SECONDS) -> list[Phone]:
    """`phones` with each OPENED label whose median `openness` (one value per `step` seconds, value k at
    k * step) over its span exceeds OPEN_CUE relabelled as its open vowel, and each vowel-length run over
    OPEN_CUE inside a CUT_OUT_OF phone that was not relabelled cut out of it as an open vowel."""
    if not len(openness):
        return list(phones)
    opened = []
    for phone in phones:
        if phone.label in OPENED and float(np.median(openness[_steps_in(phone, step, len(openness))])) > OPEN_CUE:
            opened.append(Phone(OPENED[phone.label], phone.start, phone.end))
        elif phone.label in CUT_OUT_OF:
            opened += _with_open_runs(phone, CUT_OUT_OF[phone.label], openness, step)
        else:
            opened.append(phone)
    return opened


def _with_open_runs(phone: Phone, vowel: str, openness: np.ndarray, step: float) -> list[Phone]:
    """The phone, split around each vowel-length run of open sound in it, the runs labelled `vowel` (step k
    spans (k -+ 0.5) * step)."""
    steps = _steps_in(phone, step, len(openness))
    pieces, cursor = [], phone.start
    for first, end in true_runs(openness[steps] > OPEN_CUE):
        start = max(phone.start, (steps.start + first - 0.5) * step)
        stop = min(phone.end, (steps.start + end - 0.5) * step)
        if not LOST_VOWEL_SECONDS[0] <= stop - start <= LOST_VOWEL_SECONDS[1]:
            continue
        if start > cursor:
            pieces.append(Phone(phone.label, cursor, start))
        pieces.append(Phone(vowel, start, stop))
        cursor = stop
    if cursor < phone.end:
        pieces.append(Phone(phone.label, cursor, phone.end))
    return pieces


def _steps_in(phone: Phone, step: float, steps: int) -> slice:
    return instants_within(phone.start, phone.end, 1.0 / step, steps)
