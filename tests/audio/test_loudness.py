"""frame_loudness: 0..1 per frame, measured around the frame's own time, normalised to the speech."""

import numpy as np

from lipwright.audio.clip import AudioClip, frame_count
from lipwright.audio.loudness import frame_loudness
from tests.speech import compose_line


def test_speech_is_loud_and_pauses_are_quiet():
    line = compose_line([0.5, "father", 0.6, "saw", 0.5], engine="flite", voice="rms")
    clip = AudioClip(line.samples, line.sample_rate)
    for fps in (24, 29.97, 60):
        n = frame_count(clip.seconds, fps)
        loudness = frame_loudness(clip, fps, n)
        assert loudness.shape == (n,) and loudness.dtype == np.float32
        assert loudness.min() >= 0 and loudness.max() <= 1
        for word in line.words:
            middle = int(round(word.centre * fps))
            assert loudness[middle] > 0.6, (fps, word)
        for pause in line.silences:
            inner = np.arange(int(np.ceil((pause.start + 0.05) * fps)), int((pause.end - 0.05) * fps))
            assert np.all(loudness[inner] == 0.0), (fps, pause)


def test_frame_k_is_centred_on_k_over_fps():
    """A tone burst from 1.00 s to 1.50 s: at 30 fps frames 30..45 hear it, and the edges are symmetric."""
    rate = 16000
    t = np.arange(int(2.5 * rate)) / rate
    samples = np.where((t >= 1.0) & (t < 1.5), 0.5 * np.sin(2 * np.pi * 220 * t), 0.0).astype(np.float32)
    loudness = frame_loudness(AudioClip(samples, rate), 30, frame_count(2.5, 30))
    loud = np.flatnonzero(loudness > 0.5)
    assert loud[0] == 30 and loud[-1] == 45
    # No lag: the rise before the burst mirrors the fall after it.
    assert abs(loudness[29] - loudness[46]) < 0.1
