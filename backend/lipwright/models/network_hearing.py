"""What trained networks hear in a line, for recognition "network": where one seals the lips (closures
the phone search missed), how far it opens the jaw (vowels the phone search misheard as closer ones),
and how sure their phone heads are of p, b or m at each frame (phones/heard_bilabials.py relabels the
consonants the search confuses with them).

Without a transcript the phone search misses p/b/m mostly by hearing them at another place of
articulation (t, d, k, n), and under-opens vowels it mishears; a network trained on many voices hears lip
contact and opening from the sound itself and misses different ones. Measured on voices neither ever
heard (benchmarks/RESULTS.md), the two together close and open far more. The network runs only when
asked, so torch is imported then and never for the default modes.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.clip import AudioClip, frame_count
from ..errors import ModelError
from ..metrics.lipsync import SEALED, frame_runs
from ..motion.arkit import ARKIT_INDEX
from ..motion.retime import retimed
from ..motion.visemes import mouth_opening
from ..phones.heard_bilabials import HeardLips
from .base import AnimationRequest
from .run_folders import SHIPPED_MODELS_DIR, RunFolder, read_run, run_folder_of, torch_missing

# The shipped network whose closures held up best on the unseen-voice development set (GLDiTalker,
# one sample drawn from seed 0: the same line always gets the same motion).
HEARING_RUN = "gldtalker-synthetic"
# Runs whose phone heads also listen for p, b and m: the mean of the three heads tells a bilabial from
# a t, d or n better than any one (area under the ROC curve 0.938 against 0.930, benchmarks/RESULTS.md).
LISTENING_RUNS = ("jambatalk-synthetic", "landmarks-synthetic")
_JAW = ARKIT_INDEX["jawOpen"]


@dataclass(frozen=True)
class Heard:
    """What the networks heard in one line."""

    weights: np.ndarray  # the hearing run's ARKit weights, (frames at the animation's fps, 52)
    bilabial: np.ndarray | None  # the phone heads' mean p/b/m probability per frame at bilabial_fps; None: no heads
    bilabial_fps: float  # the hearing run's own frame rate, at which the thresholds were chosen

    def lips(self, fps: float) -> HeardLips:
        """What the phone search is told: where the weights (at `fps`) seal the lips, and the p/b/m probability."""
        return HeardLips(sealed_spans(self.weights, fps), self.bilabial, self.bilabial_fps)


class NetworkHearing:
    """`hearing(clip, fps)` -> Heard: the hearing run's motion for the line, and the mean probability of p, b
    or m that its phone head (when it has one) and the listening runs' heads hear at each of its frames."""

    def __init__(self, device: str = "auto", run_folder: Path = SHIPPED_MODELS_DIR / HEARING_RUN,
                 listening: tuple[Path, ...] = tuple(SHIPPED_MODELS_DIR / name for name in LISTENING_RUNS)) -> None:
        self.device, self.run_folder, self.listening = device, Path(run_folder), tuple(map(Path, listening))
        self._models = None
        self._lock = threading.Lock()  # one load, whichever job asks first

    def __call__(self, clip: AudioClip, fps: float) -> Heard:
        hearing, *listening = self._loaded()
        weights = hearing.animate(AnimationRequest(clip=clip, fps=fps, offsets=False)).weights
        own_fps = hearing.config.fps
        frames = frame_count(clip.seconds, own_fps)
        heads = [retimed(heard, model.config.fps, own_fps, frames) for model in (hearing, *listening)
                 if (heard := model.heard_bilabials(clip)) is not None]
        return Heard(weights, _mean_heard(heads) if heads else None, own_fps)

    def _loaded(self) -> list:
        with self._lock:
            if self._models is None:
                self._models = [self._load(folder, role) for folder, role in self._runs()]
            return self._models

    def _runs(self) -> list[tuple[Path, str]]:
        return [(self.run_folder, "hearing"), *((folder, "listening") for folder in self.listening)]

    def _load(self, folder: Path, role: str):
        run, problem = _hearing_run(folder, role)
        if problem:
            raise ModelError(f"Recognition 'network' hears the line with the trained run {folder.name}, "
                             f"which cannot be used here ({problem}). Choose recognition 'fast' instead.")
        from ..devices import resolve_device
        from .trained_run import TrainedRunModel

        return TrainedRunModel(run.folder, resolve_device(self.device), name=run.name)


def hearing_problem(run_folder: Path = SHIPPED_MODELS_DIR / HEARING_RUN,
                    listening: tuple[Path, ...] = tuple(SHIPPED_MODELS_DIR / name for name in LISTENING_RUNS)) -> str:
    """Why recognition "network" cannot run here ("" when it can), from the runs' configs alone: listing
    models asks this, so nothing is loaded."""
    runs = [(Path(run_folder), "hearing"), *((Path(folder), "listening") for folder in listening)]
    return next((problem for folder, role in runs if (problem := _hearing_run(folder, role)[1])), "")


def _hearing_run(run_folder: Path, role: str = "hearing") -> tuple[RunFolder | None, str]:
    """(the run as its config describes it, or None; why it cannot play its `role` here, "" when it can).
    The hearing run's motion is read, so it must predict ARKit weights; a listening run lends its phone
    head only, so it must have one (the thresholds were chosen on the mean of three heads)."""
    run_folder = Path(run_folder)
    folder = run_folder_of(run_folder)
    run = read_run(run_folder.name, folder) if folder else None
    if run is None:
        return None, f"{run_folder} holds no trained run"
    if role == "listening":
        return run, run.problem or torch_missing() or ("" if run.phone_head else "it has no phone head to listen with")
    return run, run.problem or torch_missing() or ("" if run.motion_space == "weights" else
                                                   "it predicts vertices, not ARKit weights")


def _mean_heard(heads: list[np.ndarray]) -> np.ndarray:
    """The heads' mean per frame over those that heard it (NaN: a look-ahead head's first frames; NaN where
    none did)."""
    frames = min(len(head) for head in heads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice" where no head heard a frame
        return np.nanmean(np.stack([head[:frames] for head in heads]), axis=0)


def sealed_spans(heard: np.ndarray, fps: float) -> list[tuple[float, float]]:
    """(start, end) seconds of every run of frames where the heard weights seal the lips."""
    return frame_spans(mouth_opening(heard) <= SEALED, fps)


def frame_spans(frames: np.ndarray, fps: float) -> list[tuple[float, float]]:
    """(start, end) seconds of every run of True in a per-frame mask."""
    return [(first / fps, last / fps) for first, last in frame_runs(frames)]


def open_jaw_as_heard(weights: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """`weights` with jawOpen at least the heard one wherever the lips are parted. Closed frames (p/b/m,
    rest) keep theirs, so no closure and no pause is lost."""
    frames = min(len(weights), len(heard))
    parted = np.zeros(len(weights), dtype=bool)
    parted[:frames] = mouth_opening(weights[:frames]) > SEALED
    opened = weights.copy()
    opened[parted, _JAW] = np.maximum(weights[parted, _JAW], heard[:frames][parted[:frames], _JAW])
    return opened
