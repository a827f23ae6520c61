"""A long take whose recording level drifts (a speaker who turns from the microphone, leans back, or whose
gain was pulled down halfway) brought back to one level, slowly.

Every stage reads a level against the whole line: the jaw's loudness against its loud speech, the pause
edges against its loud part, the open-vowel cue in standard deviations of its speech. A take that falls
20 dB halfway then opens its quiet half's vowels far less (the development voices joined into one-minute
lines: 0.90 -> 0.80 of open vowels opened without a transcript, 0.96 -> 0.91 with one; benchmarks/RESULTS.md).
Here each stretch of the line is brought to the level of the line's typical speech by a gain that moves over
WINDOW_SECONDS, so that only changes that slow are taken out: a voice's own dynamics within a sentence or a
phrase, a shout or a whisper, stay. A line no longer than one window is left exactly as it is.
"""

from __future__ import annotations

import numpy as np

from .clip import AudioClip
from .loudness import ABOVE_NOISE_DB, HOP_SECONDS, energy_envelope, noise_floor_db

WINDOW_SECONDS = 10.0
STRIDE_SECONDS = 1.0  # how often the gain is measured; it moves linearly between
# A window's speech: its hops within this many dB of its loudest. Its level: their median, which a few
# shouted words or a door slam in the window move far less than a peak or a high percentile.
SPEECH_RANGE_DB = 30.0
LEVEL_PERCENTILE = 50.0
# Only a window with this much speech in it is measured; one of pause or room tone takes its neighbours' gain.
LEAST_SPEECH_SECONDS = 1.0
MOST_GAIN_DB = 24.0  # raised or lowered at most this far: a long whisper does not become a shout
# Hops this quiet are digital silence (a gated or edited pause), not a room: they say nothing of the noise floor.
DIGITAL_SILENCE_DB = -100.0
# A steady take's windows differ from its typical level by 1-4 dB (one-minute lines of the development voices):
# that much is the voice's own, left as it is; only the drift beyond it is taken out.
OWN_VARIATION_DB = 3.0
# Where the gain would drive any peak over this, the whole line is scaled under it (every later step reads
# levels relative to the line, so only clipping matters).
PEAK_HEADROOM = 10.0 ** (-0.5 / 20.0)
_BLOCK_SAMPLES = 1 << 16  # samples gained at once: a long line's gain curve stays small


def drift_gains_db(clip: AudioClip) -> tuple[np.ndarray, np.ndarray] | None:
    """(times in seconds, gains in dB) that bring each stretch of `clip` to its typical speech level, measured
    every STRIDE_SECONDS over windows of WINDOW_SECONDS; None when the line is no longer than one window or
    too little of it is speech to say."""
    if clip.seconds <= WINDOW_SECONDS:
        return None
    times, energy = energy_envelope(clip)
    level = 10.0 * np.log10(energy + 1e-20)
    hop = float(times[1] - times[0]) if len(times) > 1 else HOP_SECONDS  # a whole number of samples near 5 ms
    window = round(WINDOW_SECONDS / hop)
    stride = round(STRIDE_SECONDS / hop)
    if len(level) <= window:
        return None
    # The room's floor, over the hops that are not digital silence: pauses gated to zeros between stretches of
    # room tone would otherwise put the floor at -200 dB and let the tone pass for speech (and be raised to it).
    audible = level[level > DIGITAL_SILENCE_DB]
    floor = noise_floor_db(audible, hop) if len(audible) else None
    starts = np.arange(0, len(level) - window + 1, stride)
    if starts[-1] != len(level) - window:  # the last window ends at the line's end
        starts = np.append(starts, len(level) - window)
    window_levels = np.full(len(starts), np.nan)
    for index, start in enumerate(starts):
        hops = level[start:start + window]
        speech = hops[hops >= hops.max() - SPEECH_RANGE_DB]
        if floor is not None:  # room tone is not speech however loud the window's loudest is over it
            speech = speech[speech >= floor + ABOVE_NOISE_DB]
        if len(speech) * hop >= LEAST_SPEECH_SECONDS:
            window_levels[index] = np.percentile(speech, LEVEL_PERCENTILE)
    measured = ~np.isnan(window_levels)
    if not measured.any():
        return None
    typical = float(np.median(window_levels[measured]))
    centres = (starts + window / 2) * hop
    offsets = typical - window_levels[measured]
    gains = np.sign(offsets) * np.clip(np.abs(offsets) - OWN_VARIATION_DB, 0.0, MOST_GAIN_DB)
    return centres[measured], gains


def steadied(clip: AudioClip) -> AudioClip:
    """`clip` with its slow level drift taken out (drift_gains_db), kept under full scale; the same object when
    there is none to take out."""
    found = drift_gains_db(clip)
    if found is None:
        return clip
    times, gains_db = found
    if not gains_db.any():
        return clip
    samples = np.empty(len(clip.samples), dtype=np.float32)
    for first in range(0, len(samples), _BLOCK_SAMPLES):
        block = slice(first, first + _BLOCK_SAMPLES)
        seconds = np.arange(first, min(first + _BLOCK_SAMPLES, len(samples))) / clip.sample_rate
        gain = 10.0 ** (np.interp(seconds, times, gains_db) / 20.0)
        np.multiply(clip.samples[block], gain, out=samples[block], casting="unsafe")
    peak = float(np.max(np.abs(samples)))
    if peak > PEAK_HEADROOM:
        samples *= np.float32(PEAK_HEADROOM / peak)
    return AudioClip(samples, clip.sample_rate, clip.warnings)
