"""The high band's level over time: lipwright.audio.band_levels on real speech, noise and silence."""

import numpy as np
import soxr

from lipwright.audio.band_levels import band_levels
from lipwright.audio.clip import AudioClip
from tests.speech import synthesise


def test_speech_reads_loud_and_the_silence_after_it_quiet():
    speech = synthesise("Sue sells sea shells.", "espeak-ng", "en-us")
    samples = np.concatenate([speech, np.zeros(8000, dtype=np.float32)])
    levels = band_levels(AudioClip(samples, 16000))
    assert np.all(np.diff(levels.times) > 0) and levels.times[-1] <= len(samples) / 16000
    in_speech = levels.times < len(speech) / 16000 - 0.05
    assert levels.high_db[in_speech].max() > -10.0  # the s of "Sue" is loud above 1 kHz
    assert levels.high_db[levels.times > len(speech) / 16000 + 0.05].max() < -80.0


def test_8_khz_and_16_khz_copies_of_a_line_read_alike():
    wide = synthesise("Bob bought a big box in the park.", "flite", "awb")
    narrow = soxr.resample(wide, 16000, 8000).astype(np.float32)
    a, b = band_levels(AudioClip(wide, 16000)), band_levels(AudioClip(narrow, 8000))
    n = min(len(a.high_db), len(b.high_db))
    loud = a.high_db[:n] > -40.0
    assert np.median(np.abs(a.high_db[:n][loud] - b.high_db[:n][loud])) < 1.0


def test_a_clip_shorter_than_one_window_has_no_levels():
    levels = band_levels(AudioClip(np.zeros(100, dtype=np.float32), 16000))
    assert len(levels.times) == len(levels.high_db) == 0
