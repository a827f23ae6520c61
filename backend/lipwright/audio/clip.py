"""The in-memory audio every stage works on: mono float32 samples at a known rate."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AudioClip:
    """samples: (n,) float32 in [-1, 1], mono; warnings: what decoding worked around (a truncated file)."""

    samples: np.ndarray
    sample_rate: int
    warnings: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return len(self.samples) / float(self.sample_rate)


def frame_count(seconds: float, fps: float) -> int:
    """Frames covering [0, seconds) at `fps`, frame k sitting at time k / fps: 5.000 s at 30 fps is 150.

    A frame starts inside the clip or it is not made; a clip shorter than one frame still gets one."""
    # The tolerance keeps 5.000 s x 30 fps from becoming 151 through float error in either direction.
    return max(1, int(np.ceil(seconds * fps - 1e-6)))


def samples_at(clip: AudioClip, rate: int) -> np.ndarray:
    """The clip's samples as float32 at `rate` (soxr, high quality); its own when it is already there."""
    samples = np.asarray(clip.samples, dtype=np.float32)
    if clip.sample_rate == rate or not len(samples):
        return samples
    import soxr

    return soxr.resample(samples, clip.sample_rate, rate, quality="HQ").astype(np.float32)
