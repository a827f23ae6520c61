"""Frames cover [0, duration) of the line as given, whatever its sample rate: resampled to 16 kHz for hearing,
a line's length rounds to a whole sample and may cross a frame's start (44101 samples at 44.1 kHz last a
hair over 1 s: 31 frames at 30 fps; 16000 samples at 16 kHz, exactly 1 s: 30)."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip, frame_count
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.models.trained_run import TrainedRunModel
from tests.models.tiny_run import make_tiny_run
from tests.speech import synthesise

# (rate, samples): each a hair over a whole number of frames at 30 fps, which resampling to 16 kHz rounds away.
LINES = [(44100, 44101), (48000, 48001), (96000, 96002), (44100, 44100 * 3 + 1)]


def _line(rate: int, samples: int) -> AudioClip:
    speech = synthesise("Bob made a map.", voice="en-us", sample_rate=rate)
    padded = np.zeros(samples, dtype=np.float32)
    padded[:min(samples, len(speech))] = speech[:samples]
    return AudioClip(padded, rate)


@pytest.mark.parametrize("rate, samples", LINES)
def test_the_phonemes_model_frames_the_line_as_given(rate, samples):
    clip = _line(rate, samples)
    assert frame_count(clip.seconds, 30.0) != frame_count(round(samples * 16000 / rate) / 16000, 30.0)
    animation = PhonemeModel().animate(AnimationRequest(clip=clip, fps=30.0))
    assert animation.weights.shape[0] == frame_count(clip.seconds, 30.0) == len(animation.offsets)


@pytest.mark.parametrize("rate, samples", LINES)
def test_a_trained_run_frames_the_line_as_given(rate, samples, tmp_path_factory):
    model = TrainedRunModel(make_tiny_run(tmp_path_factory.mktemp("run") / "run"))
    clip = _line(rate, samples)
    assert len(model.predict_lines([clip], [None])[0]) == frame_count(clip.seconds, 30.0)
