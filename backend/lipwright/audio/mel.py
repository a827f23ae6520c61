"""The mel scale and its log-mel spectrogram, in numpy: the trained networks' front end
(encoders/log_mel.py runs the same in torch to train them), so the default model can hear a line as
they do without importing torch."""

from __future__ import annotations

import numpy as np

# Steps of the spectrogram computed at once (10 s at a 10 ms hop): a long line's frames and spectra stay a few
# megabytes (4096 held 50 MB at once, no faster).
_BLOCK_STEPS = 1024


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)  # the HTK mel scale


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


def mel_filter_bank(sample_rate: int, n_fft: int, mels: int, low_hz: float, high_hz: float) -> np.ndarray:
    """(mels, n_fft // 2 + 1) triangular filters, evenly spaced on the mel scale, each peaking at 1."""
    if not 0 <= low_hz < high_hz <= sample_rate / 2:
        raise ValueError(f"mel band {low_hz}-{high_hz} Hz does not fit under Nyquist ({sample_rate / 2} Hz)")
    bin_hz = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(low_hz), hz_to_mel(high_hz), mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_hz - lower) / (centre - lower)
    falling = (upper - bin_hz) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None).astype(np.float32)


def centred_frames(samples: np.ndarray, window_length: int, hop: int, pad_mode: str = "constant") -> np.ndarray:
    """(steps, window_length) view of one padded copy: frame k centred on sample k * hop, the ends padded
    (numpy's `pad_mode`: "reflect" as torch.stft, "constant" with zeros)."""
    padded = np.pad(samples, window_length // 2, mode=pad_mode)
    return np.lib.stride_tricks.sliding_window_view(padded, window_length)[::hop]


def centred_log_mel(samples: np.ndarray, filters: np.ndarray, window_length: int, hop: int,
                    real_samples: int | None = None) -> np.ndarray:
    """(mels, steps) log mel energies of `samples` (float32, one channel), step k centred on sample k * hop
    (frames of `window_length` samples, the filters' n_fft, Hann-windowed, the ends mirrored), each band's mean over the first
    `real_samples` removed and every later step set to that mean (zero): so the gain and the microphone's
    colour, and any silence appended after the line, do not reach a network. As torch.stft(center=True)
    and LogMelEncoder.log_mel compute it."""
    samples = np.asarray(samples, dtype=np.float32)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window_length) / window_length)).astype(np.float32)
    frames = centred_frames(samples, window_length, hop, "reflect")
    steps = len(frames)  # 1 + len // hop for an even window; one fewer for some odd ones, as torch.stft
    # Filled step-major, returned as a (mels, steps) view: a caller that wants steps first copies nothing.
    log_mel = np.empty((steps, filters.shape[0]), dtype=np.float32)
    for first in range(0, steps, _BLOCK_STEPS):
        spectrum = np.fft.rfft(frames[first:first + _BLOCK_STEPS] * window, axis=1)
        power = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.float32)
        log_mel[first:first + _BLOCK_STEPS] = np.log(power @ filters.T + np.float32(1e-6))
    del frames  # a view of a long line's padded copy, no longer needed
    real = (len(samples) if real_samples is None else real_samples) // hop + 1  # steps 0 .. real - 1
    log_mel -= log_mel[:real].mean(axis=0)
    log_mel[real:] = 0.0
    return log_mel.T
