"""How open the vocal tract sounds at each 10 ms of a line: a cue to the open vowels the phone search misses.

The jaw opens with the first formant: F1 lies near 250-450 Hz in close vowels and in l, r and w, and near
600-900 Hz in open vowels (AA, AE, AO), which are also a line's loudest sounds. Without a transcript the phone
search hears many short open vowels as the l, w, er or schwa beside them ("all" as one long l), and the mouth
barely opens where the speaker's opens widest. The cue is the centre of the spectral envelope's 200-1200 Hz band
(cepstrally smoothed, so a high voice's harmonics do not pull it) plus the level, each in standard deviations
of the line's own voiced frames: a voice's pitch, timbre and gain drop out. On the unseen-voice development
set it ranks a truth open vowel above a truth l, r, er, w or uw 0.88 of the time, and above a truth ah or eh
0.88 (benchmarks/RESULTS.md)."""

from __future__ import annotations

import numpy as np

from .clip import AudioClip

STEP_SECONDS = 0.01
_RATE = 16000
_WINDOW = 400  # 25 ms
_FFT = 1024
# Cepstral coefficients kept: the spectral envelope without the harmonics of any voice under 530 Hz.
_LIFTER = 30
_F1_BAND_HZ = (200.0, 1200.0)
_LEVEL_BAND_HZ = (100.0, 4000.0)
# Frames above this percentile of level are the line's voice: the cue is scaled by their mean and spread.
_VOICED_PERCENTILE = 40.0
_BLOCK_FRAMES = 256  # frames analysed at once: a long line's spectra stay a few megabytes


def vowel_openness(clip: AudioClip) -> np.ndarray:
    """(steps,) float64, step k centred at k * STEP_SECONDS: how open the tract sounds there, in standard
    deviations of the line's voiced frames (about 0 on an average voiced frame, above 1 on most open vowels).
    Zeros when the line is too short or too even to say."""
    samples = np.asarray(clip.samples, dtype=np.float32)
    if clip.sample_rate != _RATE and len(samples):
        import soxr

        samples = soxr.resample(samples, clip.sample_rate, _RATE, quality="HQ").astype(np.float32)
    hop = round(STEP_SECONDS * _RATE)
    steps = len(samples) // hop + 1 if len(samples) else 0
    if len(samples) < _WINDOW:
        return np.zeros(steps)
    padded = np.pad(samples, _WINDOW // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, _WINDOW)[::hop][:steps]
    window = np.hanning(_WINDOW).astype(np.float32)
    hz = np.fft.rfftfreq(_FFT, 1.0 / _RATE)
    f1_band = (hz >= _F1_BAND_HZ[0]) & (hz < _F1_BAND_HZ[1])
    level_band = (hz >= _LEVEL_BAND_HZ[0]) & (hz < _LEVEL_BAND_HZ[1])
    # A floor 100 dB under a typical frame's power, scaled with the line: its gain then changes nothing.
    floor = 1e-10 * max(float(np.dot(samples, samples)) / len(samples) * _WINDOW, 1e-30)
    centre, level = np.empty(len(frames)), np.empty(len(frames))
    for first in range(0, len(frames), _BLOCK_FRAMES):
        block = slice(first, first + _BLOCK_FRAMES)
        power = np.abs(np.fft.rfft(frames[block] * window, _FFT, axis=1)) ** 2
        level[block] = np.log(power[:, level_band].sum(axis=1) + floor)
        cepstrum = np.fft.irfft(np.log(power + floor), axis=1)
        cepstrum[:, _LIFTER:-_LIFTER] = 0.0
        envelope = np.exp(np.fft.rfft(cepstrum, axis=1).real)[:, f1_band]
        centre[block] = envelope @ hz[f1_band] / envelope.sum(axis=1)
    voiced = level > np.percentile(level, _VOICED_PERCENTILE)
    if voiced.sum() < 2:
        return np.zeros(steps)
    return _standardised(centre, voiced) + _standardised(level, voiced)


def _standardised(values: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    spread = values[voiced].std()
    return (values - values[voiced].mean()) / spread if spread > 0 else np.zeros_like(values)
