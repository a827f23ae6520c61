"""The evaluation's pictures from hand-made inputs: written whole, as PNGs, whatever the losses."""

import numpy as np
from matplotlib.image import imread

from lipwright.evaluation.plots import draw_lip_opening, draw_training_curves
from lipwright.motion.arkit import ARKIT_INDEX


def test_training_curves_with_and_without_a_log_axis(tmp_path):
    for name, last in (("falling.png", 0.01), ("zero.png", 0.0)):  # a zero loss has no logarithm
        history = [{"epoch": 1, "train": 1.0, "val": 0.5}, {"epoch": 2, "train": last, "val": 0.2}]
        path = draw_training_curves(history, tmp_path / "deep" / name, "tiny")
        assert path == tmp_path / "deep" / name and imread(str(path)).shape[0] > 100
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["falling.png", "zero.png"]  # no leftovers


def test_lip_opening_of_a_line(tmp_path):
    truth = np.zeros((60, 52), dtype=np.float32)
    truth[10:20, ARKIT_INDEX["jawOpen"]] = 0.8
    predicted = np.roll(truth, 2, axis=0)
    phones = [("SIL", 0.0, 0.3), ("P", 0.3, 0.33), ("AA", 0.33, 0.66), ("M", 0.66, 0.7), ("SIL", 0.7, 2.0)]
    image = imread(str(draw_lip_opening(predicted, truth, phones, 30.0, tmp_path / "line.png", "a line")))
    assert image.shape[1] > image.shape[0] > 100
    red = (image[..., 0] > 0.9) & (image[..., 1] < 0.9) & (image[..., 2] < 0.9)
    assert red.any()  # the p/b/m spans are shaded
