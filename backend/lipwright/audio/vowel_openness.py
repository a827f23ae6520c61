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

from .clip import AudioClip, samples_at
from .voicing import STEP_SECONDS  # noqa: F401 (the cue's step, which open_vowels reads here)
from .voicing import FFT, RATE, WINDOW, is_voiced, periodicity, power_floor, spectra, step_count

# Cepstral coefficients kept: the spectral envelope without the harmonics of any voice under 530 Hz.
_LIFTER = 30
_F1_BAND_HZ = (200.0, 1200.0)
_LEVEL_BAND_HZ = (100.0, 4000.0)
# Frames above this percentile of level are the line's speech: the cue is scaled by their mean and spread.
_SPEECH_PERCENTILE = 40.0


def vowel_openness(clip: AudioClip) -> np.ndarray:
    """(steps,) float64, step k centred at k * STEP_SECONDS: how open the tract sounds there, in standard
    deviations of the line's speech frames (about 0 on an average one, above 1 on most open vowels; at most 0
    where nothing periodic sounds). Zeros when the line is too short or too even to say."""
    samples = samples_at(clip, RATE)
    if len(samples) < WINDOW:
        return np.zeros(step_count(samples))
    floor = power_floor(samples)
    hz = np.fft.rfftfreq(FFT, 1.0 / RATE)
    f1_band = (hz >= _F1_BAND_HZ[0]) & (hz < _F1_BAND_HZ[1])
    level_band = (hz >= _LEVEL_BAND_HZ[0]) & (hz < _LEVEL_BAND_HZ[1])
    centre, level, frame_periodicity = (np.empty(step_count(samples)) for _ in range(3))
    for block, power in spectra(samples):
        level[block] = np.log(power[:, level_band].sum(axis=1) + floor)
        frame_periodicity[block] = periodicity(power, floor)
        cepstrum = np.fft.irfft(np.log(power + floor), axis=1)
        cepstrum[:, _LIFTER:FFT - _LIFTER + 1] = 0.0  # the envelope: quefrencies under _LIFTER and their mirror
        envelope = np.exp(np.fft.rfft(cepstrum, axis=1).real)[:, f1_band]
        centre[block] = envelope @ hz[f1_band] / envelope.sum(axis=1)
    speech = level > np.percentile(level, _SPEECH_PERCENTILE)
    if speech.sum() < 2:
        return np.zeros(len(level))
    openness = _standardised(centre, speech) + _standardised(level, speech)
    # Only a voice is a vowel: noise (a breath, a cough, a door, hiss) has a flat spectrum whose centre
    # reads open, but no period.
    aperiodic = ~is_voiced(frame_periodicity)
    openness[aperiodic] = np.minimum(openness[aperiodic], 0.0)
    return openness


def _standardised(values: np.ndarray, speech: np.ndarray) -> np.ndarray:
    spread = values[speech].std()
    return (values - values[speech].mean()) / spread if spread > 0 else np.zeros_like(values)
