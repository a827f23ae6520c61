"""Overlapping windows cover any length and blend without seams."""

import numpy as np
import pytest

from lipwright.motion.windows import audio_span, blend_windows, plan_windows


@pytest.mark.parametrize("frames", [1, 59, 60, 61, 150, 601, 1000])
def test_windows_cover_every_frame_with_the_overlap_asked_for(frames):
    windows = plan_windows(frames, window=60, overlap=15)
    assert windows[0][0] == 0 and windows[-1][1] == frames
    assert all(stop - start <= 60 for start, stop in windows)
    assert all(b[0] <= a[1] - 15 for a, b in zip(windows, windows[1:]))  # each pair overlaps by 15 or more
    assert all(b[0] > a[0] for a, b in zip(windows, windows[1:]))


def test_pieces_that_agree_blend_to_the_same_signal():
    frames = 400
    signal = np.sin(np.arange(frames) / 7.0)[:, None] * np.ones((1, 52))
    windows = plan_windows(frames, 90, 30)
    blended = blend_windows([signal[a:b] for a, b in windows], windows, frames)
    np.testing.assert_allclose(blended, signal, atol=1e-12)


def test_pieces_that_disagree_meet_without_a_jump():
    frames, overlap = 300, 30
    windows = plan_windows(frames, 100, overlap)
    # Each window's model output is off by a different constant: a hard cut would jump by 1.
    pieces = [np.full((b - a, 3), float(k)) for k, (a, b) in enumerate(windows)]
    blended = blend_windows(pieces, windows, frames)
    assert np.abs(np.diff(blended, axis=0)).max() < 2.0 / overlap * np.pi / 2
    assert blended[0, 0] == 0 and blended[-1, 0] == len(windows) - 1


def test_audio_spans_and_bad_plans():
    assert audio_span((30, 60), 30.0, 16000) == (16000, 32000)
    with pytest.raises(ValueError, match="overlap"):
        plan_windows(100, 20, 20)
    with pytest.raises(ValueError, match="piece 0"):
        blend_windows([np.zeros(3)], [(0, 4)], 4)
