"""Small real models for the server tests: the jaw follows the audio's loudness, no weights needed.

Registered through the public registry, so the server runs them exactly as it runs the real models.
`slow-loudness` reports progress in many short steps (for progress and cancel tests); `crashing` and
`refusing` fail part-way, the first with a bug, the second with an error meant for the user.
`aborting` kills its own process part-way (os.abort, as a crash in native code would), and
`gil-holding` stays minutes in one C call that holds the GIL and reports nothing (as pocketsphinx does).
"""

import os
import re
import time

import numpy as np

from lipwright.audio.clip import frame_count
from lipwright.errors import TranscriptError
from lipwright.geometry.mesh import MeshData
from lipwright.models import registry
from lipwright.models.base import Animation, AnimationRequest, Progress, no_progress
from lipwright.motion.arkit import ARKIT_INDEX, ARKIT_NAMES
from lipwright.wire import REQUIRED_LANDMARKS

# A little face: an upper lip row (z = 0) above a lower lip and chin row (z < 0).
SMALL_FACE = MeshData(
    vertices=np.array([[-1, 0, 0], [0, 0, 0], [1, 0, 0], [-1, 0, -1], [0, 0, -1], [1, 0, -1]], dtype=np.float32),
    faces_flat=np.array([0, 1, 4, 3, 1, 2, 5, 4], dtype=np.int32),
    face_sizes=np.array([4, 4], dtype=np.int32),
)


def frame_loudness(samples: np.ndarray, sample_rate: int, fps: float, frames: int) -> np.ndarray:
    """RMS of the window of one frame's length centred on each frame time, scaled to peak 1."""
    half = max(1, int(sample_rate / fps / 2))
    centres = (np.arange(frames) * sample_rate / fps).astype(int)
    rms = np.array([np.sqrt(np.mean(samples[max(0, c - half):c + half] ** 2)) if c < len(samples) else 0.0
                    for c in centres])
    return (rms / max(rms.max(), 1e-9)).astype(np.float32)


class LoudnessModel:
    name = "loudness"
    description = "Test model: the lower half of the mesh drops with the loudness."

    def __init__(self, device: str = "cpu", steps: int = 1, step_seconds: float = 0.0, fail_at: float | None = None,
                 failure: type[Exception] = ZeroDivisionError) -> None:
        self.device = device
        self.steps, self.step_seconds, self.fail_at, self.failure = steps, step_seconds, fail_at, failure

    def animate(self, request: AnimationRequest, progress: Progress = no_progress) -> Animation:
        for step in range(self.steps):
            fraction = step / self.steps
            if self.fail_at is not None and fraction >= self.fail_at:
                if self.failure is ZeroDivisionError:
                    return 1 / 0  # a genuine bug, as a model could have one
                raise self.failure("the transcript does not match the speech; check its words")
            progress(fraction, f"measuring loudness ({step + 1}/{self.steps})")
            time.sleep(self.step_seconds)
        clip = request.clip
        frames = frame_count(clip.seconds, request.fps)
        loudness = frame_loudness(clip.samples, clip.sample_rate, request.fps, frames)
        mesh = request.mesh or SMALL_FACE
        rest = mesh.vertices.astype(np.float32)
        lower = rest[:, 2] < np.median(rest[:, 2])
        offsets = np.zeros((frames, len(rest), 3), dtype=np.float32)
        offsets[:, lower, 2] = -0.01 * loudness[:, None]
        weights = np.zeros((frames, len(ARKIT_NAMES)), dtype=np.float32)
        weights[:, ARKIT_INDEX["jawOpen"]] = loudness
        landmarks = {name: i % len(rest) for i, name in enumerate(REQUIRED_LANDMARKS)}
        progress(1.0, "done")
        return Animation(offsets, rest, request.fps, landmarks, weights, ARKIT_NAMES,
                         {"model": self.name, "worker_pid": os.getpid()})


class AbortingModel:
    def __init__(self, device: str = "cpu") -> None:
        self.device = device

    def animate(self, request: AnimationRequest, progress: Progress = no_progress) -> Animation:
        progress(0.25, "about to crash in native code")
        os.abort()


class GilHoldingModel:
    def __init__(self, device: str = "cpu") -> None:
        self.device = device

    def animate(self, request: AnimationRequest, progress: Progress = no_progress) -> Animation:
        progress(0.1, "holding the GIL")
        # Catastrophic backtracking: the regex engine runs for minutes in C without releasing the GIL.
        re.match(r"(a+)+$", "a" * 32 + "b")
        raise AssertionError("the gil-holding model should have been ended long before this")


def register_test_models() -> None:
    registry.register_model("loudness", lambda device: LoudnessModel(device), LoudnessModel.description)
    registry.register_model(
        "slow-loudness", lambda device: LoudnessModel(device, steps=40, step_seconds=0.05),
        "Test model: loudness, in 40 steps of 50 ms.",
    )
    registry.register_model(
        "crashing", lambda device: LoudnessModel(device, steps=4, fail_at=0.5),
        "Test model: divides by zero half-way.",
    )
    registry.register_model(
        "refusing", lambda device: LoudnessModel(device, steps=4, fail_at=0.5, failure=TranscriptError),
        "Test model: refuses the transcript half-way.",
    )
    registry.register_model("aborting", AbortingModel, "Test model: aborts its process a quarter of the way.")
    registry.register_model("gil-holding", GilHoldingModel, "Test model: holds the GIL for minutes, reports nothing.")
