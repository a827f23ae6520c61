"""The Live Link Face CSV the batch writes reads back, frame for frame, with the project's Live Link reader."""

import numpy as np
import pytest

from lipwright.datasets.live_link_face import read_take
from lipwright.files.live_link_csv import live_link_csv_text, write_live_link_csv
from lipwright.motion.arkit import ARKIT_NAMES


@pytest.mark.parametrize("fps", [24.0, 25.0, 30.0, 60.0])
@pytest.mark.parametrize("frames", [2, 7, 23, 31, 100, 1805])
def test_weights_read_back_at_any_length_and_rate(tmp_path, fps, frames):
    # Short takes too: the reader guesses the rate from the largest frame number in the timecodes.
    weights = np.random.default_rng(frames).random((frames, len(ARKIT_NAMES))).astype(np.float32)
    path = tmp_path / "take.csv"
    write_live_link_csv(path, weights, ARKIT_NAMES, fps)
    take = read_take(path, fps=fps)
    assert take.weights.shape == weights.shape
    np.testing.assert_allclose(take.weights, weights, atol=1e-6)


def test_layout_is_live_link_faces():
    text = live_link_csv_text(np.full((3, 2), 0.5), ["jawOpen", "mouthClose"], 30.0)
    header, first = text.splitlines()[:2]
    columns = header.split(",")
    assert columns[:3] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft"]
    assert len(columns) == 2 + 52 + 9 and columns[-1] == "RightEyeRoll"
    cells = first.split(",")
    assert cells[1] == "61"
    # Units the weights lack are written as rest.
    assert float(cells[2 + ARKIT_NAMES.index("jawOpen")]) == 0.5 and float(cells[2]) == 0.0
