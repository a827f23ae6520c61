"""How open the vocal tract sounds at each 10 ms of a line: a cue to the open vowels the phone search misses.

The jaw opens with the first formant: F1 lies near 250-450 Hz in close vowels and in l, r and w, and near
600-900 Hz in open vowels (AA, AE, AO), which are also a line's loudest sounds. Without a transcript the phone
search hears many short open vowels as the l, w, er or schwa beside them ("all" as one long l), and the mouth
barely opens where the speaker's opens widest. The cue is the centre of the spectral envelope's 200-1200 Hz band
(cepstrally smoothed, so a high voice's harmonics do not pull it) plus the level, each in standard deviations
of the line's own speech frames: a voice's pitch, timbre and gain drop out. Only periodic sound counts (a
noise's flat spectrum would read open). On the unseen-voice development
set it ranks a truth open vowel above a truth l, r, er, w or uw 0.88 of the time, and above a truth ah or eh
0.88 (benchmarks/RESULTS.md)."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from .clip import AudioClip, samples_at
from .mel import centred_frames

STEP_SECONDS = 0.01
_RATE = 16000
_WINDOW = 400  # 25 ms
_FFT = 1024
# Cepstral coefficients kept: the spectral envelope without the harmonics of any voice under 530 Hz.
_LIFTER = 30
_F1_BAND_HZ = (200.0, 1200.0)
_LEVEL_BAND_HZ = (100.0, 4000.0)
# Frames above this percentile of level are the line's speech: the cue is scaled by their mean and spread.
_SPEECH_PERCENTILE = 40.0
# Pitch periods looked for (a voice's F0 range), and the normalised autocorrelation at the best one that
# counts as voiced: over a vowel of the development voices its median falls under 0.56 in one of twenty;
# steady noise's steps pass 0.45 in one of twenty (pink) or almost never (white).
_PITCH_HZ = (75.0, 400.0)
_PERIODIC = 0.45
# ... held over this many steps (the median): a vowel's voice is steady, noise's chance peaks are not.
_PERIODIC_STEPS = 5
_BLOCK_FRAMES = 256  # frames analysed at once: a long line's spectra stay a few megabytes


def vowel_openness(clip: AudioClip) -> np.ndarray:
    """(steps,) float64, step k centred at k * STEP_SECONDS: how open the tract sounds there, in standard
    deviations of the line's speech frames (about 0 on an average one, above 1 on most open vowels; at most 0
    where nothing periodic sounds). Zeros when the line is too short or too even to say."""
    samples = samples_at(clip, _RATE)
    hop = round(STEP_SECONDS * _RATE)
    steps = len(samples) // hop + 1 if len(samples) else 0
    if len(samples) < _WINDOW:
        return np.zeros(steps)
    frames = centred_frames(samples, _WINDOW, hop)[:steps]
    window = np.hanning(_WINDOW).astype(np.float32)
    # The window's own autocorrelation, which each frame's is divided by (Boersma 1993): a steady tone then
    # correlates near 1 at its period whatever the lag.
    window_correlation = np.fft.irfft(np.abs(np.fft.rfft(window, _FFT)) ** 2)[:_WINDOW]
    window_correlation = np.maximum(window_correlation / window_correlation[0], 1e-3)
    periods = slice(round(_RATE / _PITCH_HZ[1]), round(_RATE / _PITCH_HZ[0]) + 1)
    hz = np.fft.rfftfreq(_FFT, 1.0 / _RATE)
    f1_band = (hz >= _F1_BAND_HZ[0]) & (hz < _F1_BAND_HZ[1])
    level_band = (hz >= _LEVEL_BAND_HZ[0]) & (hz < _LEVEL_BAND_HZ[1])
    # A floor 100 dB under a typical frame's power, scaled with the line: its gain then changes nothing.
    floor = 1e-10 * max(float(np.dot(samples, samples)) / len(samples) * _WINDOW, 1e-30)
    centre, level, periodicity = (np.empty(len(frames)) for _ in range(3))
    for first in range(0, len(frames), _BLOCK_FRAMES):
        block = slice(first, first + _BLOCK_FRAMES)
        windowed = frames[block] * window
        windowed -= windowed.mean(axis=1, keepdims=True) * window
        power = np.abs(np.fft.rfft(windowed, _FFT, axis=1)) ** 2
        level[block] = np.log(power[:, level_band].sum(axis=1) + floor)
        correlation = np.fft.irfft(power, axis=1)[:, :_WINDOW]
        correlation /= (correlation[:, :1] + floor) * window_correlation
        periodicity[block] = correlation[:, periods].max(axis=1)
        cepstrum = np.fft.irfft(np.log(power + floor), axis=1)
        cepstrum[:, _LIFTER:_FFT - _LIFTER + 1] = 0.0  # the envelope: quefrencies under _LIFTER and their mirror
        envelope = np.exp(np.fft.rfft(cepstrum, axis=1).real)[:, f1_band]
        centre[block] = envelope @ hz[f1_band] / envelope.sum(axis=1)
    speech = level > np.percentile(level, _SPEECH_PERCENTILE)
    if speech.sum() < 2:
        return np.zeros(steps)
    openness = _standardised(centre, speech) + _standardised(level, speech)
    # Only a voice is a vowel: noise (a breath, a cough, a door, hiss) has a flat spectrum whose centre
    # reads open, but no period.
    aperiodic = median_filter(periodicity, _PERIODIC_STEPS, mode="nearest") < _PERIODIC
    openness[aperiodic] = np.minimum(openness[aperiodic], 0.0)
    return openness


def _standardised(values: np.ndarray, speech: np.ndarray) -> np.ndarray:
    spread = values[speech].std()
    return (values - values[speech].mean()) / spread if spread > 0 else np.zeros_like(values)
