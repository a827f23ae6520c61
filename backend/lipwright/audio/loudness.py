"""Per-frame loudness of speech in 0..1, the signal that scales how far the jaw opens."""

from __future__ import annotations

import numpy as np

from ..runs import true_runs
from .clip import AudioClip

HOP_SECONDS = 0.005
# Quieter than this below the clip's loud speech (or near its noise floor) is a pause, not speech: the range the
# pause edges (phones/pause_edges.py), the inhales (inhales.py) and the mouth clicks (mouth_clicks.py) judge
# sound by.
SPEECH_FLOOR_DB = 35.0
# 40 dB below the clip's loud speech reads as silence; the loud percentile reads as 1.
DYNAMIC_RANGE_DB = 40.0
REFERENCE_PERCENTILE = 95.0
MIN_WINDOW_SECONDS = 0.03
# A recording's noise floor (room tone, hiss) is its quietest tenth, when that level holds for a pause's
# length: the quiet parts of speech (stop closures, 27 dB under the loud part in flite's rms) never do.
# Sound must rise this far above it to count: hop energies of steady noise scatter a few dB about their
# mean, so 10 dB clears them.
NOISE_FLOOR_PERCENTILE = 10.0
ABOVE_NOISE_DB = 10.0
NEAR_FLOOR_DB = 6.0
FLOOR_HOLDS_SECONDS = 0.25


def energy_hop_seconds(clip: AudioClip) -> float:
    """The length of energy_envelope's hop for `clip`: a whole number of samples, so not exactly HOP_SECONDS
    at every rate (4.989 ms at 44.1 kHz)."""
    return max(1, round(HOP_SECONDS * clip.sample_rate)) / clip.sample_rate


def frame_loudness(clip: AudioClip, fps: float, n_frames: int) -> np.ndarray:
    """loudness: (n_frames,) float32 in 0..1; frame k is measured in a window centred at k / fps.

    Normalised to the clip's own loud speech, so a quiet recording still opens the jaw."""
    energy_times, energy = energy_envelope(clip)
    # Average energy over one frame (or 30 ms, whichever is longer), centred on the frame time:
    # a symmetric window gives no lag, and the width stops low frame rates from aliasing.
    half_window = max(0.5 / fps, 0.5 * MIN_WINDOW_SECONDS)
    cumulative = np.concatenate([[0.0], np.cumsum(energy)])
    frame_times = np.arange(n_frames) / fps
    lo = np.searchsorted(energy_times, frame_times - half_window, side="left")
    hi = np.searchsorted(energy_times, frame_times + half_window, side="right")
    counts = np.maximum(hi - lo, 1)
    mean_energy = (cumulative[hi] - cumulative[lo]) / counts
    level_db = 10.0 * np.log10(mean_energy + 1e-12)
    hop_db = 10.0 * np.log10(energy + 1e-12)
    reference_db = float(np.percentile(hop_db, REFERENCE_PERCENTILE)) if len(hop_db) else 0.0
    loudness = (level_db - (reference_db - DYNAMIC_RANGE_DB)) / DYNAMIC_RANGE_DB
    return np.clip(loudness, 0.0, 1.0).astype(np.float32)


def energy_envelope(clip: AudioClip) -> tuple[np.ndarray, np.ndarray]:
    """Mean-square energy in 5 ms hops; times are the hop centres in seconds."""
    hop = max(1, int(round(HOP_SECONDS * clip.sample_rate)))
    n_hops = len(clip.samples) // hop
    squared = clip.samples[: n_hops * hop].astype(np.float64) ** 2
    energy = squared.reshape(n_hops, hop).mean(axis=1)
    times = (np.arange(n_hops) + 0.5) * hop / clip.sample_rate
    return times, energy


def sound_threshold_db(level_db: np.ndarray, range_db: float, hop_seconds: float = HOP_SECONDS) -> float:
    """The level (dB, as `level_db`, one value per hop) above which a hop is sound rather than pause: within
    `range_db` of the clip's loud part and, where the clip has a noise floor, clear of it. Clean audio (a
    floor of digital silence or dither, far below) and speech with no pause in it keep the first alone; a
    recording with room tone 25-30 dB under the voice has its pauses' hiss kept from counting as sound."""
    loud = float(np.percentile(level_db, REFERENCE_PERCENTILE))
    floor = noise_floor_db(level_db, hop_seconds)
    return loud - range_db if floor is None else max(loud - range_db, floor + ABOVE_NOISE_DB)


def noise_floor_db(level_db: np.ndarray, hop_seconds: float = HOP_SECONDS) -> float | None:
    """The recording's noise floor (dB, as `level_db`): its quietest tenth, when a level near it holds for
    FLOOR_HOLDS_SECONDS somewhere; None when no stretch of steady quiet does (speech with no pause in it)."""
    if not len(level_db):
        return None
    floor = float(np.percentile(level_db, NOISE_FLOOR_PERCENTILE))
    longest = max((end - first for first, end in true_runs(level_db <= floor + NEAR_FLOOR_DB)), default=0)
    return floor if longest * hop_seconds >= FLOOR_HOLDS_SECONDS else None
