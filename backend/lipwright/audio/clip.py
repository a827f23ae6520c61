"""The in-memory audio every stage works on: mono float32 samples at a known rate."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AudioClip:
    """samples: (n,) float32 in [-1, 1], mono."""

    samples: np.ndarray
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / float(self.sample_rate)


def frame_count(seconds: float, fps: float) -> int:
    """Frames needed to cover `seconds` at `fps`, frame k sitting at time k / fps."""
    return int(np.floor(seconds * fps + 1e-9)) + 1
