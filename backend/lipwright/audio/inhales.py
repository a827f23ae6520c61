"""Audible inhales before phrases: noise the phone search hears as f, th, h or s, which would move the mouth in a
pause. Close-miked dialogue has one before nearly every phrase.

An inhale is a sound with no voice in it that follows a pause and stands apart from what comes next (quiet of
30 ms or more before the voice begins). Speech's own unvoiced sounds lean on a voice: a word's f, th, h or s
runs into its vowel, and a phrase-final s or stop release follows its vowel, or its closure within 0.2 s. The
exception is the s of a phrase-initial s-stop cluster ("stop", "speak": the stop's closure is the gap); on the
development voices it lasted 0.09-0.18 s at 10-20 dB under the line's loud part, so an inhale must be longer or
quieter than that, or lie lower in pitch (a quick loud catch-breath before a phrase is none of the first two)."""

from __future__ import annotations

import numpy as np

from ..runs import joined_runs
from .band_extension import is_muffled, is_narrowband
from .clip import AudioClip
from .loudness import REFERENCE_PERCENTILE, energy_hop_seconds
from .voicing import at_hops, voiced_steps

# Quiet gaps shorter than this inside one sound do not split it (an inhale's level wavers near the threshold): a
# sound stands apart from the next by at least this much.
JOIN_SECONDS = 0.03
# An inhale follows a pause this long, or opens the line (dialogue is often trimmed close to the breath): longer
# than the closure before a phrase-final stop's release (at most about 0.2 s in slow speech), which must stay
# the stop's.
PAUSE_BEFORE_SECONDS = 0.25
# A phrase-initial stop's burst can stand 40 ms or more apart from its vowel, but lasts well under this.
SHORTEST_SECONDS = 0.08
# Longer than a phrase-initial s, or quieter (dB under the line's loud part) than one, ...
LONGER_THAN_S_SECONDS = 0.18
QUIETER_THAN_S_DB = 24.0
# ... or, on a line with a high band, lower in pitch than one. An s has most of its power above 4 kHz (the
# development voices' phrase-initial s: -2.5 to -6.3 dB of its power over 500 Hz lies above it); an inhale is
# turbulence shaped by a near-neutral tract, its resonances under 4 kHz, like an h (augment.inhalation's: about
# -10 dB). A line recorded at 8 kHz or muffled (band_extension.is_narrowband, is_muffled) has no s band to tell
# them by.
S_BAND_HZ = 4000.0
UNDER_S_BAND_DB = -7.5
# At most this share of an inhale's steps may sound voiced (noise now and then correlates by chance).
MOST_VOICED_SHARE = 0.1
# A line whose sound is this little voiced is whispered: its words are unvoiced too, and nothing is taken out.
LEAST_VOICED_LINE = 0.2


def inhale_hops(clip: AudioClip, level_db: np.ndarray, sound_db: float) -> np.ndarray:
    """(hops,) bool: the hops (audio/loudness.energy_envelope's) of `clip` that are inhales, given the level of
    each hop (`level_db`, not smoothed: a quiet inhale rises above `sound_db` only here and there) and the level
    above which a hop is sound (`sound_db`). All False when the line sounds whispered."""
    found = np.zeros(len(level_db), dtype=bool)
    sound = level_db > sound_db
    if not sound.any():
        return found
    hop = energy_hop_seconds(clip)
    voiced = at_hops(voiced_steps(clip), hop, len(level_db))
    if is_whispered(voiced, sound):
        return found
    loud_db = float(np.percentile(level_db, REFERENCE_PERCENTILE))
    wideband = not (is_narrowband(clip.samples, clip.sample_rate) or is_muffled(clip.samples, clip.sample_rate))
    sounds = joined_runs(sound, int(np.ceil(JOIN_SECONDS / hop - 1e-9)))
    for i, (first, end) in enumerate(sounds):
        after_pause = i == 0 or (first - sounds[i - 1][1]) * hop >= PAUSE_BEFORE_SECONDS
        seconds = (end - first) * hop
        if not (after_pause and seconds >= SHORTEST_SECONDS and voiced[first:end].mean() <= MOST_VOICED_SHARE):
            continue
        if (seconds >= LONGER_THAN_S_SECONDS or level_db[first:end].max() <= loud_db - QUIETER_THAN_S_DB
                or (wideband and _high_band_db(clip, first, end, hop) < UNDER_S_BAND_DB)):
            found[first:end] = True  # not an s
    return found


def is_whispered(voiced: np.ndarray, sound: np.ndarray) -> bool:
    """True when under LEAST_VOICED_LINE of a line's sound hops (`sound`) are `voiced`: its words are unvoiced
    too, so nothing in it is taken for a pause noise."""
    return bool(sound.any()) and float(voiced[sound].mean()) < LEAST_VOICED_LINE


def _high_band_db(clip: AudioClip, first: int, end: int, hop: float) -> float:
    """The share of hops first..end's power over 500 Hz that lies above S_BAND_HZ, in dB."""
    samples = clip.samples[round(first * hop * clip.sample_rate):round(end * hop * clip.sample_rate)]
    power = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    frequencies = np.fft.rfftfreq(len(samples), 1.0 / clip.sample_rate)
    return float(10.0 * np.log10(power[frequencies > S_BAND_HZ].sum() / max(power[frequencies > 500.0].sum(), 1e-30)
                                 + 1e-30))
