"""Audible inhales before phrases: noise the phone search hears as f, th, h or s, which would move the mouth in a
pause. Close-miked dialogue has one before nearly every phrase.

An inhale is a sound with no voice in it that follows a pause and stands apart from what comes next (quiet of
30 ms or more before the voice begins). Speech's own unvoiced sounds lean on a voice: a word's f, th, h or s
runs into its vowel, and a phrase-final s or stop release follows its vowel, or its closure within 0.2 s. The
exception is the s of a phrase-initial s-stop cluster ("stop", "speak": the stop's closure is the gap); on the
development voices it lasted 0.09-0.18 s at 10-20 dB under the line's loud part, so an inhale must be longer or
quieter than that."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..runs import joined_runs
from .clip import AudioClip
from .loudness import HOP_SECONDS, REFERENCE_PERCENTILE
from .voicing import STEP_SECONDS, voiced_steps

# Quiet gaps shorter than this inside one sound do not split it (an inhale's level wavers near the threshold): a
# sound stands apart from the next by at least this much.
JOIN_SECONDS = 0.03
# An inhale follows a pause this long, or opens the line (dialogue is often trimmed close to the breath): longer
# than the closure before a phrase-final stop's release (at most about 0.2 s in slow speech), which must stay
# the stop's.
PAUSE_BEFORE_SECONDS = 0.25
# A phrase-initial stop's burst can stand 40 ms or more apart from its vowel, but lasts well under this.
SHORTEST_SECONDS = 0.08
# Longer than a phrase-initial s, or quieter (dB under the line's loud part) than one.
LONGER_THAN_S_SECONDS = 0.18
QUIETER_THAN_S_DB = 24.0
# At most this share of an inhale's steps may sound voiced (noise now and then correlates by chance).
MOST_VOICED_SHARE = 0.1
# A line whose sound is this little voiced is whispered: its words are unvoiced too, and nothing is taken out.
LEAST_VOICED_LINE = 0.2
def hop_seconds(clip: AudioClip) -> float:
    """The length of energy_envelope's hop for `clip`: a whole number of samples, so not exactly HOP_SECONDS
    at every rate (4.989 ms at 44.1 kHz)."""
    return max(1, round(HOP_SECONDS * clip.sample_rate)) / clip.sample_rate


def inhale_hops(clip: AudioClip, level_db: np.ndarray, sound_db: float) -> np.ndarray:
    """(hops,) bool: the hops (audio/loudness.energy_envelope's) of `clip` that are inhales, given the level of
    each hop (`level_db`, not smoothed: a quiet inhale rises above `sound_db` only here and there) and the level
    above which a hop is sound (`sound_db`). All False when the line sounds whispered."""
    found = np.zeros(len(level_db), dtype=bool)
    sound = level_db > sound_db
    if not sound.any():
        return found
    hop = hop_seconds(clip)
    steps = voiced_steps(clip)
    centres = (np.arange(len(level_db)) + 0.5) * hop
    voiced = steps[np.minimum(np.round(centres / STEP_SECONDS).astype(int), len(steps) - 1)]
    if voiced[sound].mean() < LEAST_VOICED_LINE:
        return found
    loud_db = float(np.percentile(level_db, REFERENCE_PERCENTILE))
    sounds = joined_runs(sound, int(np.ceil(JOIN_SECONDS / hop - 1e-9)))
    for i, (first, end) in enumerate(sounds):
        after_pause = i == 0 or (first - sounds[i - 1][1]) * hop >= PAUSE_BEFORE_SECONDS
        seconds = (end - first) * hop
        not_an_s = seconds >= LONGER_THAN_S_SECONDS or level_db[first:end].max() <= loud_db - QUIETER_THAN_S_DB
        if (after_pause and seconds >= SHORTEST_SECONDS and not_an_s
                and voiced[first:end].mean() <= MOST_VOICED_SHARE):
            found[first:end] = True
    return found
