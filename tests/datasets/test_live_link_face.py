"""Live Link Face CSV takes: read, resampled to the motion frame rate, audio found beside them."""

import numpy as np
import pytest
import soundfile

from lipwright.datasets.live_link_face import read_take
from lipwright.errors import LipwrightError
from lipwright.motion.arkit import ARKIT_INDEX
from tests.datasets.fixtures import write_take

def test_a_60_fps_take_is_resampled_to_30_fps_with_its_audio(tmp_path):
    csv_path = tmp_path / "take_1.csv"
    write_take(csv_path)
    soundfile.write(str(tmp_path / "take_1.wav"), 0.1 * np.sin(np.arange(32000) / 10), 16000)
    take = read_take(csv_path, fps=30)
    assert take.weights.shape == (60, 52)  # 119/60 s of capture -> frames 0..59 at 30 fps
    jaw = take.weights[:, ARKIT_INDEX["jawOpen"]]
    np.testing.assert_allclose(jaw, np.arange(60) * 2 / 119, atol=1e-5)
    np.testing.assert_allclose(take.weights[:, ARKIT_INDEX["eyeBlinkLeft"]], 0.5)
    assert take.audio().samples.shape == (32000,)


def test_a_take_without_audio_or_with_a_foreign_csv_says_so(tmp_path):
    csv_path = tmp_path / "take_2.csv"
    write_take(csv_path, frames=10)
    with pytest.raises(LipwrightError, match="no audio beside"):
        read_take(csv_path).audio()
    foreign = tmp_path / "other.csv"
    foreign.write_text("time,jaw\n0,0.1\n")
    with pytest.raises(LipwrightError, match="not a Live Link Face CSV"):
        read_take(foreign)
