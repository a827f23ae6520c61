"""Narrowband speech found and given an upper band: lipwright.audio.band_extension on real speech."""

import numpy as np
import soxr

from lipwright.audio.band_extension import NARROW_EDGE_HZ, fold_into_upper_band, is_muffled, is_narrowband
from tests.speech import synthesise


def upper_band_share(samples: np.ndarray) -> float:
    power = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    return power[np.fft.rfftfreq(len(samples), 1 / 16000) > 1.05 * NARROW_EDGE_HZ].sum() / power.sum()


def test_speech_through_an_8_khz_channel_is_narrowband_and_wideband_speech_is_not():
    wide = synthesise("Bob bought a big box in the park.", "flite", "awb")
    narrow = soxr.resample(soxr.resample(wide, 16000, 8000), 8000, 16000).astype(np.float32)
    assert not is_narrowband(wide, 16000)
    assert is_narrowband(narrow, 16000)
    assert is_narrowband(soxr.resample(wide, 16000, 8000), 8000)


def test_digital_silence_and_very_short_clips_are_not_narrowband():
    assert not is_narrowband(np.zeros(16000, dtype=np.float32), 16000)
    assert not is_narrowband(np.zeros(100, dtype=np.float32), 16000)


def test_folding_fills_the_upper_band_and_keeps_the_lower_one():
    wide = synthesise("Pam opened the hot pot.", "espeak-ng", "en-us")
    narrow = soxr.resample(soxr.resample(wide, 16000, 8000), 8000, 16000).astype(np.float32)
    folded = fold_into_upper_band(narrow)
    assert folded.dtype == narrow.dtype and folded.shape == narrow.shape
    assert upper_band_share(narrow) < 1e-6 < 1e-3 < upper_band_share(folded)
    assert not is_narrowband(folded, 16000)
    # The band the recogniser already heard is the same.
    low = np.fft.rfftfreq(len(narrow), 1 / 16000) < 3500
    before, after = np.fft.rfft(narrow)[low], np.fft.rfft(folded)[low]
    assert np.abs(after - before).sum() < 0.05 * np.abs(before).sum()


def _low_passed(samples: np.ndarray, hz: float) -> np.ndarray:
    from scipy import signal

    return signal.sosfiltfilt(signal.butter(8, hz, "lowpass", fs=16000, output="sos"), samples).astype(np.float32)


def test_a_line_with_nothing_over_3_khz_is_muffled_and_8_khz_or_wideband_speech_is_not():
    for engine, voice in (("flite", "awb"), ("espeak-ng", "en-us")):
        wide = synthesise("Tom took a cat to the dock and sat at the kitchen table.", engine, voice)
        assert not is_muffled(wide, 16000)
        assert not is_muffled(soxr.resample(soxr.resample(wide, 16000, 8000), 8000, 16000).astype(np.float32), 16000)
        assert is_muffled(_low_passed(wide, 3000), 16000)
        assert not is_muffled(_low_passed(wide, 6000), 16000)
    assert not is_muffled(np.zeros(16000, dtype=np.float32), 16000)
