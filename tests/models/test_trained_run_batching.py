"""A trained run animates a line the same whatever it shares a forward pass with: over many lines of
generated lengths (under one window, several windows, a frame's fraction at the end) and styles, each
line batched with all the others equals the line alone."""

import numpy as np

from lipwright.audio.clip import AudioClip
from lipwright.models.trained_run import TrainedRunModel
from tests.models.tiny_run import SPEAKERS, make_tiny_run


def test_every_line_gives_the_same_motion_alone_and_batched(tmp_path):
    model = TrainedRunModel(make_tiny_run(tmp_path / "run"))
    rng = np.random.default_rng(7)
    seconds = [0.31, 1.0 + 1 / 90, 3.7, 7.99, 8.5, 12.3]
    clips = [AudioClip((0.3 * rng.standard_normal(round(s * 16000)) * np.sin(np.linspace(0, 40 * s, round(s * 16000))))
                       .astype(np.float32), 16000) for s in seconds]
    speakers = [SPEAKERS[i % len(SPEAKERS)] if i % 3 else None for i in range(len(clips))]
    together = model.predict_lines(clips, speakers)
    for clip, speaker, batched in zip(clips, speakers, together):
        alone = model.predict_lines([clip], [speaker])[0]
        assert alone.shape == batched.shape and len(alone) == int(np.ceil(clip.seconds * 30 - 1e-6))
        np.testing.assert_allclose(batched, alone, atol=1e-4)
    assert np.abs(together[3][:60] - together[4][:60]).max() > 1e-3  # lines differ: the check can fail
