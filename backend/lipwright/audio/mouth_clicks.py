"""Mouth clicks in pauses: the lips or tongue parting before a phrase, saliva. A sharp transient a few
milliseconds long that close microphones catch; the phone search heard one as a t, k or p and moved the mouth
in the pause (rest in pauses 0.99 -> 0.78 on the development voices with clicks 20 dB under the speech's peak).

A click is a sound of at most 40 ms with no voice in it that follows a pause and stands apart from what comes next.
A phrase-initial stop's burst runs into its aspiration or voice; a click 20 ms or more before the voice does not.
The closure before a phrase-final stop's release can last longer than the pause a click needs before it, so the
release must sound voiced (the development voices' did) or follow quiet closer than that."""

from __future__ import annotations

import numpy as np

from ..runs import joined_runs
from .clip import AudioClip
from .inhales import hop_seconds
from .voicing import STEP_SECONDS, step_periodicity

# Quiet gaps shorter than this inside one click do not split it: a click is often two or three bursts a few
# milliseconds apart.
JOIN_SECONDS = 0.01
LONGEST_SECONDS = 0.04
# A click follows this much quiet (or opens the line): clicks come anywhere in a pause, not only before the voice.
PAUSE_BEFORE_SECONDS = 0.15
# The periodicity (audio/voicing.py) of every step centred within a click stays under this: the development
# clips' synthetic mouth clicks measured at most 0.5, a fast voice's 35 ms "the" after a pause 0.7.
MOST_PERIODIC = 0.6
# A click stands this far apart from the next sound; closer, it may be a stop's burst before its vowel.
APART_SECONDS = 0.02


def click_hops(clip: AudioClip, level_db: np.ndarray, sound_db: float, quiet: np.ndarray) -> np.ndarray:
    """(hops,) bool: the hops (audio/loudness.energy_envelope's) of `clip` that are mouth clicks, given each hop's
    level (`level_db`), the level above which a hop is sound (`sound_db`), and hops to count as quiet whatever
    their level (`quiet`: the inhales, which a click often follows)."""
    found = np.zeros(len(level_db), dtype=bool)
    sound = (level_db > sound_db) & ~quiet
    hop = hop_seconds(clip)
    sounds = joined_runs(sound, int(np.ceil(JOIN_SECONDS / hop - 1e-9)))
    periodic: np.ndarray | None = None  # measured only when there is a candidate
    for i, (first, end) in enumerate(sounds):
        after_pause = i == 0 or (first - sounds[i - 1][1]) * hop >= PAUSE_BEFORE_SECONDS
        apart = i == len(sounds) - 1 or (sounds[i + 1][0] - end) * hop >= APART_SECONDS
        if not (after_pause and apart and (end - first) * hop <= LONGEST_SECONDS + 1e-9):
            continue
        if periodic is None:
            periodic = step_periodicity(clip)
        # The steps centred within it (the nearest one for a click shorter than a step): a window reaching into
        # the quiet on either side correlates less, and would let a short voiced sound pass.
        low, high = int(np.ceil(first * hop / STEP_SECONDS)), int(end * hop / STEP_SECONDS)
        middle = min(round((first + end) * hop / 2 / STEP_SECONDS), len(periodic) - 1)
        steps = periodic[low:high + 1] if len(periodic[low:high + 1]) else periodic[middle:middle + 1]
        if steps.max() < MOST_PERIODIC:
            found[first:end] = True
    return found
