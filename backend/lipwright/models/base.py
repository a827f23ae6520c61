"""The interface every speech-to-motion model implements, and what it returns."""

from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np

from ..audio.clip import AudioClip
from ..geometry.mesh import MeshData
from .offset_frames import OffsetFrames

# progress(fraction 0..1, message). It raises JobCancelled when the user cancelled,
# so models get cooperative cancel for free by reporting progress between steps.
Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    return None


@dataclass(frozen=True)
class AnimationRequest:
    clip: AudioClip
    fps: float = 30.0
    transcript: str | None = None
    mesh: MeshData | None = None  # None: the model's own template
    seed: int | None = None
    offsets: bool = True  # False: weights only, for models that have them (see Animation.offsets)
    recognition: str = "fast"  # without a transcript: "fast" (phones), "accurate" (words), "network" (phones + what networks hear)
    speaker: str | None = None  # trained models: whose talking style; None: the average of their speakers


@dataclass
class Animation:
    """offsets: (frames, vertices, 3) float32 in the mesh's own coordinates (an array, or OffsetFrames that
    computes them in chunks while they are written), or None when the request
    asked for weights only and the model has them; rest: (vertices, 3).
    weights: (frames, 52) in ARKit space when the model works there, else None.
    landmark_tracks: (frames, L, 3) landmark trajectories named by landmark_track_names, from models that
    predict them, else None.
    part_weights: (frames, U) the weights of the units that move a prepared character's separate parts,
    named by part_weight_names (retarget.part_weights), for a motion carried over to it; else None."""

    offsets: "np.ndarray | OffsetFrames | None"
    rest: np.ndarray
    fps: float
    landmark_index: dict[str, int]
    weights: np.ndarray | None = None
    weight_names: tuple[str, ...] = ()
    meta: dict = field(default_factory=dict)
    landmark_tracks: np.ndarray | None = None
    landmark_track_names: tuple[str, ...] = ()
    part_weights: np.ndarray | None = None
    part_weight_names: tuple[str, ...] = ()


class SpeechModel(Protocol):
    name: str
    description: str

    def animate(self, request: AnimationRequest, progress: Progress = no_progress) -> Animation: ...
