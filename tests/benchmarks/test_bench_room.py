"""bench_lipsync --room: the same clips as if spoken in a room of a chosen reverberation time and ratio."""

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import in_room, room  # noqa: E402
from tests.benchmarks.conftest import PAD  # noqa: E402


def _level_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples ** 2) + 1e-20))


def test_clips_ring_on_after_their_speech_and_keep_their_truth(tmp_path, padded_clip):
    clip, dry = padded_clip
    clips = [clip]
    wet = in_room(clips, "0.5:0", tmp_path / "room")
    assert wet[0].truth == clip.truth and wet[0].wav != clips[0].wav and wet[0].seconds == clips[0].seconds
    heard, rate = soundfile.read(str(wet[0].wav), dtype="float64")
    assert len(heard) == len(dry) and rate == 16000
    assert np.abs(heard).max() == pytest.approx(np.abs(dry).max(), abs=1e-3)  # brought back to its own peak
    end = len(dry) - PAD
    # The room rings on into the trailing silence, fading: loud just after the speech, gone 0.45 s later.
    assert _level_db(heard[end:end + 800]) > _level_db(heard[8000:end]) - 25
    assert _level_db(heard[end + 7200:]) < _level_db(heard[end:end + 800]) - 40
    again = in_room(clips, "0.5:0", tmp_path / "again")
    assert np.array_equal(soundfile.read(str(again[0].wav))[0], heard)  # seeded: the same room every run


@pytest.mark.parametrize("spec, seconds, ratio", [("0.3:10", 0.3, 10.0), ("1.5:-3", 1.5, -3.0)])
def test_a_room_is_read_as_reverberation_time_and_ratio(spec, seconds, ratio):
    assert room(spec) == (seconds, ratio)


@pytest.mark.parametrize("spec", ["0.3", "small:10", "0.01:10", "9:10", "0.3:nan", "0.3:loud"])
def test_a_bad_room_is_refused(spec, tmp_path):
    with pytest.raises(ValueError, match="room"):
        in_room([], spec, tmp_path)
