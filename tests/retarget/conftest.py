"""Shared inputs of the retarget tests: the default head, and a spoken line's weights from the phonemes model."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.template import load_default_head
from tests.speech import synthesise
from tests.template.conftest import private_cache_dir  # noqa: F401  (keeps the head's cache private)

LINE = "Bob made a map of the pub"


@pytest.fixture(scope="session")
def head():
    return load_default_head()


@pytest.fixture(scope="session")
def spoken_weights() -> np.ndarray:
    """(frames, 52) ARKit weights of a line full of p, b and m, spoken by espeak-ng, at 30 fps."""
    clip = AudioClip(synthesise(LINE, engine="espeak-ng", voice="en-us"), 16000)
    animation = PhonemeModel().animate(AnimationRequest(clip=clip, fps=30.0, transcript=LINE.lower(), offsets=False))
    return np.asarray(animation.weights, dtype=np.float64)
