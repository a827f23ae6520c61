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
from .loudness import (HOP_SECONDS, REFERENCE_PERCENTILE, SPEECH_FLOOR_DB, energy_envelope, noise_floor_db,
                       sound_threshold_db)
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
# How far an inhale is brought down: this far, or only to the recording's noise floor where that is higher.
INHALE_CUT_DB = 40.0
# ... with its faint swell and fade down to this far under the line's loud part (or 10 dB over its noise floor):
# networks that trained on pauses of digital silence hear even those.
FAINT_RANGE_DB = 60.0
FADE_SECONDS = 0.005


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


def without_inhales(clip: AudioClip, sound_range_db: float = SPEECH_FLOOR_DB) -> AudioClip:
    """`clip` with its inhales (inhale_hops, sound judged as loudness.sound_threshold_db judges it within
    `sound_range_db` of the loud part) brought down INHALE_CUT_DB, or only to the recording's noise floor, with
    5 ms fades: what the phone search and the networks hear, so that they hear the phrase after an inhale as after
    a pause. A hole in room tone would lower the floor the pause edges read sound against, and the networks hear
    one as an event. The
    cut reaches out over the inhale's faint swell and fade (FAINT_RANGE_DB), stopping halfway to any sound on
    either side. The same object when there is no inhale (so a second pass over its own output changes nothing)."""
    _, energy = energy_envelope(clip)
    if not len(energy):
        return clip
    level_db = 10.0 * np.log10(energy + 1e-12)
    sound_db = sound_threshold_db(level_db, sound_range_db)
    hops = inhale_hops(clip, level_db, sound_db)
    if not hops.any():
        return clip
    faint = level_db > sound_threshold_db(level_db, FAINT_RANGE_DB)
    other = np.flatnonzero((level_db > sound_db) & ~hops)
    floor_db = noise_floor_db(level_db, hop_seconds(clip))
    hop = max(1, round(HOP_SECONDS * clip.sample_rate))
    fade = max(1, round(FADE_SECONDS * clip.sample_rate))
    samples = clip.samples.copy()
    for first, end in joined_runs(hops, 1):
        before, after = other[other < first], other[other >= end]
        lowest = (before[-1] + first + 1) // 2 if len(before) else 0  # halfway, rounded towards the inhale
        highest = (end + after[0]) // 2 if len(after) else len(hops)
        while first > lowest and faint[first - 1]:
            first -= 1
        while end < highest and faint[end]:
            end += 1
        # Down INHALE_CUT_DB, but not under the noise floor: the hop's own level brought to the floor at most.
        cut_db = np.full(end - first, INHALE_CUT_DB)
        if floor_db is not None:
            cut_db = np.clip(level_db[first:end] - floor_db, 0.0, INHALE_CUT_DB)
        # Each hop's gain at its centre, moving linearly between centres (no step at a hop's edge).
        gain = np.interp(np.arange((end - first) * hop) + 0.5, (np.arange(end - first) + 0.5) * hop,
                         10 ** (-cut_db / 20)).astype(np.float32)
        # Faded in and out beyond the cut, over what is fainter still, so that all of the inhale is brought down.
        start, stop = max(first * hop - fade, 0), min(end * hop + fade, len(samples))
        down = np.linspace(1.0, gain[0], first * hop - start + 2, dtype=np.float32)[1:-1]
        up = np.linspace(gain[-1], 1.0, stop - end * hop + 2, dtype=np.float32)[1:-1]
        segment = samples[start:stop]
        segment *= np.concatenate([down, gain, up])[:len(segment)]
    return dataclasses.replace(clip, samples=samples)
