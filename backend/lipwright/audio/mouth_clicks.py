"""Mouth clicks in pauses: the lips or tongue parting before a phrase, saliva. A sharp transient a few
milliseconds long that close microphones catch; the phone search heard one as a t or dh and moved the mouth in the
pause (rest in pauses 0.99 -> 0.78 on the development voices with clicks 20 dB under the speech's peak).

A click is a sound of at most 40 ms, with no voice in it, that follows 0.12 s of quiet and stands 50 ms or more
apart from what comes next. Speech's own short sounds lean on their neighbours: a phrase-initial stop's burst runs
into its aspiration or voice within a few tens of milliseconds, and a short word after a pause ("the") is voiced.
A click must also rise clearly over the sound threshold: a faint burst or the weak edge of a fricative just over
it is speech more often than not (a p after a comma's pause). A phrase-final stop's release after a closure of
0.12 s or more can pass for a click: the mouth then rests a few frames early, where it was going anyway."""

from __future__ import annotations

import numpy as np

from ..runs import instants_within, joined_runs
from .clip import AudioClip
from .inhales import is_whispered
from .loudness import energy_hop_seconds
from .voicing import STEP_SECONDS, at_hops, is_voiced, step_periodicity

# Quiet gaps shorter than this inside one click do not split it: a click is often two or three bursts a few
# milliseconds apart.
JOIN_SECONDS = 0.01
LONGEST_SECONDS = 0.04
# A click follows this much quiet (or opens the line): clicks come anywhere in a pause. On the development clips
# with clicks 20 dB under the speech's peak, `fast` rested in 0.96 of the pauses with 0.12 s, 0.93 with 0.15 s.
PAUSE_BEFORE_SECONDS = 0.12
# A click stands this far apart from the next sound; closer, it may be a stop's burst before its aspiration, or a
# fast voice's "the" (30 ms took one on the benchmark's clean clips).
APART_SECONDS = 0.05
# Its loudest hop rises this far over the sound threshold (dB): 10 left a click heard as a t at 9.5.
ABOVE_THRESHOLD_DB = 6.0
# The periodicity (audio/voicing.py) of every step centred within a click stays under this: the development
# clips' synthetic mouth clicks measured at most 0.5, a fast voice's 35 ms "the" after a pause 0.7.
MOST_PERIODIC = 0.6


def click_hops(clip: AudioClip, level_db: np.ndarray, sound_db: float, quiet: np.ndarray) -> np.ndarray:
    """(hops,) bool: the hops (audio/loudness.energy_envelope's) of `clip` that are mouth clicks, given each hop's
    level (`level_db`), the level above which a hop is sound (`sound_db`), and hops to count as quiet whatever
    their level (`quiet`: the inhales, which a click often follows). A click found counts as quiet for the next
    (they come in pairs). None in a whispered line (a clip shorter than the voicing window reads as one)."""
    found = np.zeros(len(level_db), dtype=bool)
    sound = (level_db > sound_db) & ~quiet
    hop = energy_hop_seconds(clip)
    sounds = joined_runs(sound, int(np.ceil(JOIN_SECONDS / hop - 1e-9)))
    periodic: np.ndarray | None = None  # measured only when there is a candidate
    speech_end: int | None = None  # the end of the last sound that was not a click
    for i, (first, end) in enumerate(sounds):
        short = (end - first) * hop <= LONGEST_SECONDS + 1e-9
        if short and level_db[first:end].max() < sound_db + ABOVE_THRESHOLD_DB:
            continue  # a faint tick: left as it is, and not speech that the next click must keep clear of
        after_pause = speech_end is None or (first - speech_end) * hop >= PAUSE_BEFORE_SECONDS
        apart = i == len(sounds) - 1 or (sounds[i + 1][0] - end) * hop >= APART_SECONDS
        if after_pause and apart and short:
            if periodic is None:
                periodic = step_periodicity(clip)
                if is_whispered(at_hops(is_voiced(periodic), hop, len(level_db)), sound):
                    return found
            # The steps centred within it (the nearest one for a click shorter than a step): a window reaching into
            # the quiet on either side correlates less, and would let a short voiced sound pass.
            if periodic[instants_within(first * hop, end * hop, 1 / STEP_SECONDS, len(periodic))].max() < MOST_PERIODIC:
                found[first:end] = True
                continue
        speech_end = end
    return found
