"""bench_lipsync --hum, --gain and --overdrive: the same clips with a ground loop's hum under them, recorded too
quietly, or recorded too loud and clipped."""

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import clipped, gain, hum, overdrive, quieter, with_hum  # noqa: E402
from tests.benchmarks.conftest import PAD  # noqa: E402


def test_hum_fills_the_silence_at_the_mains_frequency_and_keeps_the_truth(tmp_path, padded_clip):
    clip, dry = padded_clip
    hummed = with_hum([clip], "60:-40", tmp_path / "hum")
    assert hummed[0].truth == clip.truth and hummed[0].seconds == clip.seconds and hummed[0].wav != clip.wav
    heard, rate = soundfile.read(str(hummed[0].wav), dtype="float64")
    assert len(heard) == len(dry) and rate == 16000
    silence = heard[:PAD]
    spectrum = np.abs(np.fft.rfft(silence)) ** 2
    frequencies = np.fft.rfftfreq(len(silence), 1 / rate)
    assert frequencies[np.argmax(spectrum)] == pytest.approx(60.0, abs=1.0)
    assert np.max(np.abs(silence)) == pytest.approx(10 ** (-40 / 20) * 1.6, rel=0.5)  # five harmonics add up
    again = with_hum([clip], "60:-40", tmp_path / "again")
    assert np.array_equal(soundfile.read(str(again[0].wav))[0], heard)  # seeded: the same hum every run


def test_a_quiet_clip_is_the_same_clip_lower(tmp_path, padded_clip):
    clip, dry = padded_clip
    quiet = quieter([clip], "-30", tmp_path / "gain")
    heard, _ = soundfile.read(str(quiet[0].wav), dtype="float64")
    assert quiet[0].truth == clip.truth
    loud = np.abs(dry) > 0.05
    assert np.allclose(heard[loud] / dry[loud], 10 ** (-30 / 20), rtol=1e-3)  # 24 bits: only the level changed


@pytest.mark.parametrize("spec, expected", [("50:-45", (50.0, -45.0)), ("60:-30.5", (60.0, -30.5))])
def test_hum_is_read_as_mains_and_level(spec, expected):
    assert hum(spec) == expected


@pytest.mark.parametrize("spec", ["50", "mains:-40", "100:-40", "50:0", "50:nan"])
def test_a_bad_hum_is_refused(spec, tmp_path):
    with pytest.raises(ValueError, match="hum"):
        with_hum([], spec, tmp_path)


@pytest.mark.parametrize("spec", ["6", "0", "quiet", "inf"])
def test_a_bad_gain_is_refused(spec, tmp_path):
    with pytest.raises(ValueError, match="gain"):
        quieter([], spec, tmp_path)


def test_a_gain_is_read_in_db():
    assert gain("-30") == -30.0


def test_a_clipped_clip_is_driven_over_full_scale_and_cut_there(tmp_path, padded_clip):
    clip, dry = padded_clip
    hot = clipped([clip], "12", tmp_path / "clip")
    heard, _ = soundfile.read(str(hot[0].wav), dtype="float64")
    assert hot[0].truth == clip.truth and len(heard) == len(dry)
    driven = dry * 10 ** (12 / 20) / np.abs(dry).max()
    over = np.abs(driven) >= 1.0
    assert 0.001 < over.mean() < 0.2
    assert np.allclose(np.abs(heard[over]), 32767 / 32768, atol=1e-4)  # flat at full scale, in 16 bits
    assert np.allclose(heard[~over], driven[~over], atol=1 / 32768)


@pytest.mark.parametrize("spec", ["0", "-6", "41", "hot", "nan"])
def test_a_bad_overdrive_is_refused(spec, tmp_path):
    with pytest.raises(ValueError, match="overdrive"):
        clipped([], spec, tmp_path)


def test_an_overdrive_is_read_in_db():
    assert overdrive("12") == 12.0
