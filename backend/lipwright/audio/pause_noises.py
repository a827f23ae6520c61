"""Noises in a recording's pauses taken out before the phone search and the networks hear the line: audible
inhales and mouth clicks, which close microphones catch before nearly every phrase. Each was heard as a
consonant that moved the mouth in the pause; an aligner given the words passes them by."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..runs import joined_runs
from .clip import AudioClip
from .inhales import inhale_hops
from .loudness import (HOP_SECONDS, SPEECH_FLOOR_DB, energy_envelope, energy_hop_seconds, noise_floor_db,
                       sound_threshold_db)
from .mouth_clicks import click_hops

# How far a pause noise is brought down: this far, or only to the recording's noise floor where that is higher.
CUT_DB = 40.0
# ... with its faint swell and fade (an inhale's) or ring (a click's) down to this far under the line's loud part
# (or 10 dB over its noise floor): networks that trained on pauses of digital silence hear even those.
FAINT_RANGE_DB = 60.0
FADE_SECONDS = 0.005


@dataclasses.dataclass(frozen=True)
class PauseNoises:
    """Where a line's pause noises are, on audio/loudness.energy_envelope's hops."""

    hop: float  # seconds (energy_hop_seconds)
    level_db: np.ndarray  # (hops,) each hop's level
    sound_db: float  # the level above which a hop is sound
    inhales: np.ndarray  # (hops,) bool: inhales.inhale_hops
    clicks: np.ndarray  # (hops,) bool: mouth_clicks.click_hops

    @property
    def times(self) -> np.ndarray:
        """(hops,) each hop's centre, in seconds."""
        return (np.arange(len(self.level_db)) + 0.5) * self.hop


def pause_noises(clip: AudioClip, sound_range_db: float = SPEECH_FLOOR_DB) -> PauseNoises:
    """`clip`'s inhales and mouth clicks, sound judged as loudness.sound_threshold_db judges it within
    `sound_range_db` of the loud part."""
    _, energy = energy_envelope(clip)
    level_db = 10.0 * np.log10(energy + 1e-12)
    hop = energy_hop_seconds(clip)
    if not len(level_db):
        return PauseNoises(hop, level_db, 0.0, np.zeros(0, dtype=bool), np.zeros(0, dtype=bool))
    sound_db = sound_threshold_db(level_db, sound_range_db)
    inhales = inhale_hops(clip, level_db, sound_db)
    return PauseNoises(hop, level_db, sound_db, inhales, click_hops(clip, level_db, sound_db, inhales))


def without_pause_noises(clip: AudioClip, sound_range_db: float = SPEECH_FLOOR_DB) -> AudioClip:
    """`clip` with its pause noises (`pause_noises`) brought down CUT_DB, or only to the recording's noise floor,
    with 5 ms fades: what the phone search and the networks hear, so that they hear the phrase after them as after
    a pause. A hole in room tone would lower the floor the pause edges read sound against, and the networks hear
    one as an event. The cut reaches out over each noise's faint swell and fade (FAINT_RANGE_DB), stopping halfway
    to any sound on either side. The same object when there is none (so a second pass over its own output changes
    nothing)."""
    found = pause_noises(clip, sound_range_db)
    hops = found.inhales | found.clicks
    if not hops.any():
        return clip
    level_db, sound_db = found.level_db, found.sound_db
    faint = level_db > sound_threshold_db(level_db, FAINT_RANGE_DB)
    other = np.flatnonzero((level_db > sound_db) & ~hops)
    floor_db = noise_floor_db(level_db, found.hop)
    hop = max(1, round(HOP_SECONDS * clip.sample_rate))
    fade = max(1, round(FADE_SECONDS * clip.sample_rate))
    samples = clip.samples.copy()
    for first, end in joined_runs(hops, 1):
        before, after = other[other < first], other[other >= end]
        lowest = (before[-1] + first + 1) // 2 if len(before) else 0  # halfway, rounded towards the noise
        highest = (end + after[0]) // 2 if len(after) else len(hops)
        while first > lowest and faint[first - 1]:
            first -= 1
        while end < highest and faint[end]:
            end += 1
        # Down CUT_DB, but not under the noise floor: the hop's own level brought to the floor at most.
        cut_db = np.full(end - first, CUT_DB)
        if floor_db is not None:
            cut_db = np.clip(level_db[first:end] - floor_db, 0.0, CUT_DB)
        # Each hop's gain at its centre, moving linearly between centres (no step at a hop's edge).
        gain = np.interp(np.arange((end - first) * hop) + 0.5, (np.arange(end - first) + 0.5) * hop,
                         10 ** (-cut_db / 20)).astype(np.float32)
        # Faded in and out beyond the cut, over what is fainter still, so that all of the noise is brought down.
        start, stop = max(first * hop - fade, 0), min(end * hop + fade, len(samples))
        down = np.linspace(1.0, gain[0], first * hop - start + 2, dtype=np.float32)[1:-1]
        up = np.linspace(gain[-1], 1.0, stop - end * hop + 2, dtype=np.float32)[1:-1]
        segment = samples[start:stop]
        segment *= np.concatenate([down, gain, up])[:len(segment)]
    return dataclasses.replace(clip, samples=samples)
