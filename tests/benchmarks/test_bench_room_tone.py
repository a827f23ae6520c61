"""bench_lipsync --room-tone: the same clips with steady noise of a chosen colour and level under them."""

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import under_room_tone  # noqa: E402
from lipwright.synthetic.augment import coloured_noise  # noqa: E402


def _slope(noise: np.ndarray) -> float:
    """Power against frequency on log-log axes, fitted over 100 Hz-6 kHz at 16 kHz: 0 white, -1 pink, -2 brown."""
    power = np.abs(np.fft.rfft(noise)) ** 2
    frequencies = np.fft.rfftfreq(len(noise), 1 / 16000)
    band = (frequencies > 100) & (frequencies < 6000)
    return float(np.polyfit(np.log(frequencies[band]), np.log(power[band] + 1e-30), 1)[0])


@pytest.mark.parametrize("colour, slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_has_its_colour_and_unit_level(colour, slope):
    noise = coloured_noise(64000, colour, np.random.default_rng(3))
    assert np.sqrt(np.mean(noise ** 2)) == pytest.approx(1.0, rel=1e-6)
    assert abs(noise.mean()) < 1e-9
    assert _slope(noise) == pytest.approx(slope, abs=0.15)


def test_an_unknown_colour_is_refused():
    with pytest.raises(ValueError, match="white, pink, brown"):
        coloured_noise(100, "blue", np.random.default_rng(0))


def test_clips_get_the_asked_level_under_them_and_keep_their_truth(tmp_path, padded_clip):
    clip, _ = padded_clip
    clips = [clip]
    noisy = under_room_tone(clips, "pink:-45", tmp_path / "noisy")
    assert noisy[0].truth == clip.truth and noisy[0].wav != clips[0].wav
    heard, _ = soundfile.read(str(noisy[0].wav), dtype="float64")
    pause = heard[:7000]  # the leading silence holds the noise alone
    assert 20 * np.log10(np.sqrt(np.mean(pause ** 2))) == pytest.approx(-45, abs=1.5)
    again = under_room_tone(clips, "pink:-45", tmp_path / "again")
    assert np.array_equal(soundfile.read(str(again[0].wav))[0], heard)  # seeded: the same noise every run


@pytest.mark.parametrize("tone", ["pink", "pink:loud", "blue:-40", "white:3", "pink:nan"])
def test_a_bad_room_tone_is_refused(tone, tmp_path):
    with pytest.raises(ValueError, match="room tone"):
        under_room_tone([], tone, tmp_path)
