"""How loud speech is above 1 kHz, in 5 ms hops: shut lips stop it (p, b), a nasal murmur keeps it low (m)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clip import AudioClip

# Measured below 4 kHz only, so that 8 kHz recordings and wideband ones read alike.
ANALYSIS_RATE = 8000
WINDOW, HOP = 200, 40  # 25 ms windows every 5 ms at ANALYSIS_RATE
HIGH_BAND_HZ = (1000.0, 3800.0)
LOUD_PERCENTILE = 95.0
CHUNK_HOPS = 4096  # spectra of this many hops at a time: bounded memory however long the line


@dataclass(frozen=True)
class BandLevels:
    """times: hop centres (s); high_db: power between 1 and 3.8 kHz, in dB below the clip's loud speech
    (its 95th-percentile power over 0-4 kHz), so 0 is loud and -60 is near silence."""

    times: np.ndarray
    high_db: np.ndarray


def band_levels(clip: AudioClip) -> BandLevels:
    import soxr

    samples = clip.samples.astype(np.float32)
    if clip.sample_rate != ANALYSIS_RATE:
        samples = soxr.resample(samples, clip.sample_rate, ANALYSIS_RATE)
    count = max(0, (len(samples) - WINDOW) // HOP + 1)
    if count == 0:
        return BandLevels(np.zeros(0), np.zeros(0))
    frequencies = np.fft.rfftfreq(WINDOW, 1.0 / ANALYSIS_RATE)
    high = (frequencies >= HIGH_BAND_HZ[0]) & (frequencies < HIGH_BAND_HZ[1])
    windows = np.lib.stride_tricks.sliding_window_view(samples, WINDOW)[::HOP][:count]
    taper = np.hanning(WINDOW).astype(np.float32)
    total, upper = np.empty(count), np.empty(count)
    for first in range(0, count, CHUNK_HOPS):
        power = np.abs(np.fft.rfft(windows[first:first + CHUNK_HOPS] * taper, axis=1)) ** 2
        total[first:first + CHUNK_HOPS] = power.sum(axis=1)
        upper[first:first + CHUNK_HOPS] = power[:, high].sum(axis=1)
    loud = np.percentile(10.0 * np.log10(total + 1e-12), LOUD_PERCENTILE)
    high_db = 10.0 * np.log10(upper + 1e-12) - loud
    times = (np.arange(count) * HOP + 0.5 * WINDOW) / ANALYSIS_RATE
    return BandLevels(times, high_db)
