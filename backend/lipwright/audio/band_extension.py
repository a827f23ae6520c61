"""Give narrowband speech (telephone-rate audio, 8 kHz recordings) an upper band for a wideband recogniser.

pocketsphinx's en-us model was trained on 16 kHz speech; with nothing above 4 kHz it heard many p, b
and m as t, d and n: fast mode closed 0.69-0.83 of p/b/m on 8 kHz copies of two tuning voices against
0.91-1.00 on the same voices at 16 kHz (benchmarks/RESULTS.md). Mirroring the 0-4 kHz band into the
empty 4-8 kHz band (spectral folding, the oldest bandwidth extension) puts energy where the model
expects the burst and frication to be."""

from __future__ import annotations

import numpy as np

NARROW_EDGE_HZ = 4000.0
# Upper-band share of the power under which a clip is narrowband: 8 kHz audio resampled to 16 kHz
# measured -81 to -84 dB; the tuning voices at 16 kHz -18 to -42 dB.
NARROWBAND_SHARE_DB = -60.0
# How loud the mirrored band is against the band it mirrors. On the 8 kHz tuning copies (fast mode,
# two 3-line samples): -10 and -20 dB closed the same p/b/m (0.94-1.00, from 0.69-0.83), -30 dB
# fewer (0.82-0.96); -20 dB kept open vowels nearer their unfolded rate (0.88-0.89 against 0.83-0.86).
MIRROR_GAIN_DB = -20.0
MUFFLED_EDGE_HZ = 3500.0
MUFFLED_SHARE_DB = -45.0
BLOCK, MAX_BLOCKS = 4096, 256


def is_narrowband(samples: np.ndarray, sample_rate: int) -> bool:
    """True when `samples` carry (almost) nothing above 4 kHz: recorded or stored at 8 kHz."""
    if sample_rate <= 2 * NARROW_EDGE_HZ:
        return True
    share = upper_band_share_db(samples, sample_rate, NARROW_EDGE_HZ * 1.05)
    return share is not None and share < NARROWBAND_SHARE_DB


def is_muffled(samples: np.ndarray, sample_rate: int) -> bool:
    """True when `samples` carry (almost) nothing above 3.5 kHz: a microphone under clothing, a narrowband codec.
    The development clips measure -15 to -35 dB there (8 kHz recordings included), low-passed at 3 kHz -53 to
    -71 dB."""
    if sample_rate <= 2 * MUFFLED_EDGE_HZ:
        return True
    share = upper_band_share_db(samples, sample_rate, MUFFLED_EDGE_HZ)
    return share is not None and share < MUFFLED_SHARE_DB


def upper_band_share_db(samples: np.ndarray, sample_rate: int, edge_hz: float) -> float | None:
    """The share of the line's power above `edge_hz`, in dB; None for digital silence or a line shorter than a
    block. The power spectrum is summed over at most MAX_BLOCKS evenly spaced blocks: bounded time and memory
    however long the line."""
    count = len(samples) // BLOCK
    if count == 0:
        return None
    starts = np.linspace(0, (count - 1) * BLOCK, min(count, MAX_BLOCKS)).astype(int)
    window = np.hanning(BLOCK)  # a bare block edge leaks low-band power far above the edge
    power = sum(np.abs(np.fft.rfft(window * samples[i:i + BLOCK])) ** 2 for i in starts)
    frequencies = np.fft.rfftfreq(BLOCK, 1.0 / sample_rate)
    total = power.sum()
    if total <= 0.0:
        return None  # digital silence: nothing to say
    return float(10.0 * np.log10(power[frequencies > edge_hz].sum() / total + 1e-30))


def fold_into_upper_band(samples: np.ndarray) -> np.ndarray:
    """16 kHz `samples` with their 0-4 kHz band mirrored into 4-8 kHz.

    Multiplying by (-1)^n maps each frequency f to 8 kHz - f at this rate; a high-pass then keeps only
    the mirrored upper band, added to the untouched lower one."""
    from scipy import signal  # here, not at the top: it costs the command line's start-up ~0.2 s

    sample_rate = 16000
    x = samples.astype(np.float64)
    mirrored = x * np.where(np.arange(len(x)) % 2 == 0, 1.0, -1.0)
    high_pass = signal.butter(8, NARROW_EDGE_HZ, "highpass", fs=sample_rate, output="sos")
    extended = x + 10.0 ** (MIRROR_GAIN_DB / 20.0) * signal.sosfilt(high_pass, mirrored)
    return extended.astype(samples.dtype)
