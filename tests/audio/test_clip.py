"""frame_count: frames cover [0, duration), one frame per 1/fps that starts inside the clip."""

import pytest

from lipwright.audio.clip import frame_count


@pytest.mark.parametrize(
    "seconds, fps, frames",
    [(5.0, 30, 150), (1.0, 24, 24), (5.01, 30, 151), (0.1, 30, 3), (2.0, 29.97, 60), (0.001, 30, 1),
     (10.0, 23.976, 240), (3.0, 60, 180)],
)
def test_frames_cover_the_half_open_duration(seconds, fps, frames):
    assert frame_count(seconds, fps) == frames


def test_float_error_never_adds_a_frame():
    # 0.1 * 3 and friends are not exact in binary; the count must still be the whole number.
    for tenths in range(1, 200):
        assert frame_count(tenths * 0.1, 30) == tenths * 3
