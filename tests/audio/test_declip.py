"""Peaks cut off flat are found where they are, and only there, and rebuilt nearer the sound that was cut."""

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import AudioClip
from lipwright.audio.declip import PEAK_AFTER, clipped_samples, declipped
from tests.speech import synthesise

RATE = 16000
TEXT = "Bob bought a big map of the bay, and Pam paid for both of them."
VOICES = [("flite", "awb"), ("flite", "rms"), ("espeak-ng", "en-us+m3"), ("espeak-ng", "en-gb+f2")]


def _spoken(engine: str, voice: str, rate: int = RATE) -> np.ndarray:
    samples = synthesise(TEXT, engine, voice, sample_rate=rate).astype(np.float64)
    return samples / np.abs(samples).max()


def _snr_db(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Signal to error in dB, `estimate` at its best scale (the declipper scales the line under full scale)."""
    scaled = estimate * (truth @ estimate) / (estimate @ estimate)
    return 10 * np.log10((truth @ truth) / ((truth - scaled) @ (truth - scaled)))


@pytest.mark.parametrize("engine, voice", VOICES)
def test_a_clean_line_at_full_scale_is_left_as_it_is(engine, voice):
    clean = _spoken(engine, voice)
    assert np.abs(clean).max() == 1.0  # its one loudest sample at full scale, as a normaliser leaves it
    assert not clipped_samples(clean).any()
    clip = AudioClip(clean.astype(np.float32), RATE)
    assert declipped(clip) is clip
    # Written at 16 bits, where neighbouring samples near a peak can round to one value.
    quantised = np.round(clean * 0.999 * 32767) / 32767
    assert not clipped_samples(quantised).any()


@pytest.mark.parametrize("engine, voice", VOICES)
@pytest.mark.parametrize("overdrive_db, gain_db", [(6, 8), (12, 2)])
def test_cut_peaks_are_found_and_rebuilt_nearer_the_sound(engine, voice, overdrive_db, gain_db):
    """Clipped 6 dB, the cut line is 16-20 dB from the sound and rebuilt 29-30 dB; 12 dB, 8-11 and 11-16 (the
    more of a wave is cut, the less of it its neighbours tell)."""
    truth = _spoken(engine, voice) * 10 ** (overdrive_db / 20)
    cut = np.clip(truth, -1.0, 1.0)
    found = clipped_samples(cut)
    # Every cut sample, and besides them only samples within a 16-bit step of the level (no file tells them apart).
    assert np.all(found[np.abs(truth) >= 1.0])
    assert np.all(np.abs(truth[found]) >= 1.0 - 2.0 ** -15)
    restored = declipped(AudioClip(cut.astype(np.float32), RATE)).samples.astype(np.float64)
    assert np.abs(restored).max() <= PEAK_AFTER + 1e-6
    assert _snr_db(truth, restored) >= _snr_db(truth, cut) + gain_db
    # Consistent with the recording: every rebuilt sample lies at or beyond where it was cut, on its side,
    # and every sample that was not cut is kept (at the line's new scale).
    scale = restored[~found] @ cut[~found] / (cut[~found] @ cut[~found])
    assert np.allclose(restored[~found], scale * cut[~found], atol=1e-6)
    assert np.all(np.sign(restored[found]) == np.sign(cut[found]))
    assert np.all(np.abs(restored[found]) >= scale * 1.0 - 1e-6)


def test_a_line_cut_on_one_side_only_is_rebuilt_on_that_side():
    """An asymmetric preamp: the positive peaks cut at 0.6, the negative ones whole."""
    truth = _spoken("flite", "awb")
    cut = np.minimum(truth, 0.6)
    found = clipped_samples(cut)
    assert np.all(found[truth >= 0.6]) and np.all(truth[found] >= 0.6 - 2.0 ** -15)
    restored = declipped(AudioClip(cut.astype(np.float32), RATE)).samples.astype(np.float64)
    assert _snr_db(truth, restored) >= _snr_db(truth, cut) + 6


def test_a_16_bit_file_clipped_at_44k_is_rebuilt(tmp_path):
    """At the file's own rate and through a 16-bit file, as a clipped recording arrives."""
    rate = 44100
    truth = _spoken("flite", "rms", rate) * 10 ** (8 / 20)
    soundfile.write(str(tmp_path / "hot.wav"), np.clip(truth, -1.0, 1.0), rate, subtype="PCM_16")
    cut, _ = soundfile.read(str(tmp_path / "hot.wav"), dtype="float32")
    assert clipped_samples(cut).sum() >= np.count_nonzero(np.abs(truth) >= 1.0) * 0.99
    restored = declipped(AudioClip(cut, rate)).samples.astype(np.float64)
    assert _snr_db(truth, restored) >= _snr_db(truth, cut.astype(np.float64)) + 6


@pytest.mark.parametrize("samples", [np.zeros(0), np.zeros(16000), np.full(10, 0.5), np.full(16000, 1e-3)],
                         ids=["empty", "digital silence", "ten samples of DC", "near silence"])
def test_no_sound_to_rebuild_is_left_alone(samples):
    clip = AudioClip(samples.astype(np.float32), RATE)
    assert declipped(clip) is clip or np.array_equal(declipped(clip).samples, clip.samples)
