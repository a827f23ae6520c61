"""Take a room's late reverberation out of a recording before phones are recognised in it.

In a room each sound rings on for a few hundred milliseconds; the tail fills the silent closure of the
stop after it and runs on into pauses. pocketsphinx's model was trained on close-talk speech: on the
unseen-voice development set a small room (reverberation time 0.3 s, the voice 10 dB over the room's
sound) took transcript-free closures from 0.72 to 0.47 (benchmarks/RESULTS.md). Weighted prediction
error (WPE, Nakatani and Yoshioka; the nara-wpe package, MIT) predicts each STFT bin's late reverberation
from its own past, 32 ms and more back, and subtracts it: a linear filter, so the recogniser does not hear
the artefacts that noise gates and Wiener filters leave, and dry speech has little to predict (recognition
figures on dry clips moved by at most 0.02 either way)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ..errors import AudioError
from .clip import AudioClip

WINDOW_SECONDS = 0.032
SHIFT_SECONDS = 0.008
# The prediction reaches from DELAY_STEPS to DELAY_STEPS + TAPS - 1 shifts back (32-184 ms): past the direct
# sound, early reflections and speech's own ringing (a nasal's decay), over the late tail. Chosen on
# reverberant copies of the development set (fast mode, p/b/m closed): 20 taps from 16 ms 0.58 against nara-wpe's
# example 10 from 24 ms 0.55; 20 from 16, 24 or 32 ms 0.58, 0.57, 0.56; 32 ms kept because it changes dry speech
# least (median -49 dB against -30 dB from 16 ms over the dry development clips).
TAPS = 20
DELAY_STEPS = 4
ITERATIONS = 3
# Long lines go in blocks, so the filter's working memory stays bounded however long the line; each block reaches
# OVERLAP_SECONDS into its neighbours, and neighbours cross-fade over those 2 s.
BLOCK_SECONDS = 20.0
OVERLAP_SECONDS = 1.0
# Below this there are too few frames to tell a room from the speech itself: on a 1 s line over a noise floor,
# 20 taps begin to predict (and take out) the voice.
SHORTEST_SECONDS = 2.0
# nara-wpe weighs each frame by the inverse of its power, floored at 1e-10 of the bin's largest, so frames of
# exact digital silence (edited or gated pauses, synthetic speech) outweigh the speech and pin the filter near
# zero; a faint seeded dither this far under the block's peak (-80 dB) keeps every frame's weight finite.
DITHER = 1e-4


def dereverberated(clip: AudioClip) -> AudioClip:
    """`clip` with its late reverberation taken out (same rate, length and warnings)."""
    return dataclasses.replace(clip, samples=dereverberate(clip.samples, clip.sample_rate))


def dereverberate(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """(n,) mono samples with the late reverberation taken out: float32, same length and rate."""
    samples = np.asarray(samples, dtype=np.float32)
    if not np.all(np.isfinite(samples)):
        raise AudioError("The audio holds samples that are not numbers (NaN or infinite); decode it with "
                         "lipwright's own reader (audio/decode.py), which refuses such files.")
    if len(samples) < SHORTEST_SECONDS * sample_rate or not np.any(samples):
        return samples.copy()
    return in_blocks(samples, int(BLOCK_SECONDS * sample_rate), int(OVERLAP_SECONDS * sample_rate),
                     lambda part: _wpe(part, sample_rate))


def in_blocks(samples: np.ndarray, block: int, overlap: int,
              process: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`process` (same length out as in) run on blocks of `block` samples, each reaching `overlap` samples into
    its neighbours, the two cross-fading there; in one go when the samples fit one block. float32."""
    if block < 2 * overlap or overlap < 0:
        raise ValueError(f"blocks of {block} samples cannot cross-fade over {overlap} either side")
    if len(samples) <= block + overlap:
        return process(samples).astype(np.float32)
    starts = list(range(0, len(samples), block))
    if len(samples) - starts[-1] < 2 * overlap:
        starts.pop()  # a last block shorter than its cross-fade: its predecessor runs to the end
    out = np.zeros(len(samples), dtype=np.float32)
    for start, last in zip(starts, [False] * (len(starts) - 1) + [True]):
        lo, hi = max(0, start - overlap), len(samples) if last else start + block + overlap
        # Neighbouring blocks overlap by exactly 2 * overlap samples, where one's ramp falls as the other's rises.
        out[lo:hi] += _cross_fade(hi - lo, lo > 0, hi < len(samples), 2 * overlap) * process(samples[lo:hi])
    return out


def _wpe(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    # Imported here: scipy.signal and nara_wpe would add about half a second to every command's start.
    from nara_wpe.wpe import wpe_v8
    from scipy import signal

    if not np.any(samples):
        return np.zeros(len(samples), dtype=np.float32)  # digital silence: no room to hear
    window = int(round(WINDOW_SECONDS * sample_rate))
    shift = int(round(SHIFT_SECONDS * sample_rate))
    dither = np.random.default_rng(0).normal(size=len(samples)) * DITHER * float(np.abs(samples).max())
    _, _, spectrum = signal.stft(samples + dither, nperseg=window, noverlap=window - shift)
    dry = wpe_v8(spectrum[:, None, :], taps=TAPS, delay=DELAY_STEPS, iterations=ITERATIONS)[:, 0, :]
    _, out = signal.istft(dry, nperseg=window, noverlap=window - shift)
    out = np.pad(out[: len(samples)], (0, max(0, len(samples) - len(out))))
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def _cross_fade(length: int, fade_in: bool, fade_out: bool, width: int) -> np.ndarray:
    """A block's weight: rising over its first `width` samples when a block precedes it, falling over its
    last when one follows; the two ramps of neighbouring blocks sum to 1 where they overlap."""
    ramp = np.ones(length, dtype=np.float32)
    width = min(width, length)
    edge = (np.arange(width) + 0.5) / width
    if fade_in:
        ramp[:width] = edge
    if fade_out:
        ramp[length - width:] = np.minimum(ramp[length - width:], edge[::-1])
    return ramp
