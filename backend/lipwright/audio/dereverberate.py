"""Take a room's late reverberation out of a recording before phones are recognised in it.

In a room each sound rings on for a few hundred milliseconds; the tail fills the silent closure of the
stop after it and runs on into pauses. pocketsphinx's model was trained on close-talk speech: on the
unseen-voice development set a small room (reverberation time 0.3 s, the voice 10 dB over the room's
sound) took transcript-free closures from 0.72 to 0.42 (benchmarks/RESULTS.md). Weighted prediction
error (WPE, Nakatani and Yoshioka; the nara-wpe package, MIT) predicts each STFT bin's late reverberation
from its own past, 32 ms and more back, and subtracts it: a linear filter, so the recogniser does not hear
the artefacts that noise gates and Wiener filters leave, and dry speech has next to nothing to predict
(it changes by about -49 dB; recognition figures on dry clips moved by at most 0.03 either way)."""

from __future__ import annotations

import dataclasses

import numpy as np
from nara_wpe.wpe import wpe_v8
from scipy import signal

from .clip import AudioClip

WINDOW_SECONDS = 0.032
SHIFT_SECONDS = 0.008
# The prediction reaches from DELAY_STEPS to DELAY_STEPS + TAPS - 1 shifts back (32-184 ms): past the direct
# sound, early reflections and speech's own ringing (a nasal's decay), over the late tail. Chosen on
# reverberant copies of the development set (fast mode): 20 taps closed more than 10 (0.58 against 0.55); a
# delay of 2, 3 or 4 shifts closed alike (0.56-0.57), and 4 changes dry speech least (by -49 dB against
# -30 dB at 2, the median over the dry development clips).
TAPS = 20
DELAY_STEPS = 4
ITERATIONS = 3
# Long lines go in blocks, so memory stays bounded however long the line; blocks overlap and cross-fade.
BLOCK_SECONDS = 20.0
OVERLAP_SECONDS = 1.0
# Below this there is too little sound to estimate a room from.
SHORTEST_SECONDS = 0.5


def dereverberated(clip: AudioClip) -> AudioClip:
    """`clip` with its late reverberation taken out (same rate, length and warnings)."""
    return dataclasses.replace(clip, samples=dereverberate(clip.samples, clip.sample_rate))


def dereverberate(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """(n,) mono samples with the late reverberation taken out: float32, same length and rate."""
    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) < SHORTEST_SECONDS * sample_rate or not np.any(samples):
        return samples.copy()
    block, overlap = int(BLOCK_SECONDS * sample_rate), int(OVERLAP_SECONDS * sample_rate)
    if len(samples) <= block + overlap:
        return _wpe(samples, sample_rate)
    starts = list(range(0, len(samples), block))
    if len(samples) - starts[-1] < 2 * overlap:
        starts.pop()  # too short a last block to hear a room in: its predecessor runs to the end
    total = np.zeros(len(samples))
    weight = np.zeros(len(samples))
    for start, last in zip(starts, [False] * (len(starts) - 1) + [True]):
        lo, hi = max(0, start - overlap), len(samples) if last else start + block + overlap
        ramp = _cross_fade(hi - lo, lo > 0, hi < len(samples), 2 * overlap)
        total[lo:hi] += ramp * _wpe(samples[lo:hi], sample_rate)
        weight[lo:hi] += ramp
    return (total / np.maximum(weight, 1e-9)).astype(np.float32)


def _wpe(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    if not np.any(samples):
        return np.zeros(len(samples), dtype=np.float32)  # digital silence: no room to hear
    window = int(round(WINDOW_SECONDS * sample_rate))
    shift = int(round(SHIFT_SECONDS * sample_rate))
    _, _, spectrum = signal.stft(samples.astype(np.float64), nperseg=window, noverlap=window - shift)
    dry = wpe_v8(spectrum[:, None, :], taps=TAPS, delay=DELAY_STEPS, iterations=ITERATIONS)[:, 0, :]
    _, out = signal.istft(dry, nperseg=window, noverlap=window - shift)
    out = np.pad(out[: len(samples)], (0, max(0, len(samples) - len(out))))
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def _cross_fade(length: int, fade_in: bool, fade_out: bool, width: int) -> np.ndarray:
    """A block's weight: rising over its first `width` samples when a block precedes it, falling over its
    last when one follows; the two ramps of neighbouring blocks sum to 1 where they overlap."""
    ramp = np.ones(length)
    width = min(width, length)
    edge = (np.arange(width) + 0.5) / width
    if fade_in:
        ramp[:width] = edge
    if fade_out:
        ramp[length - width:] = np.minimum(ramp[length - width:], edge[::-1])
    return ramp
