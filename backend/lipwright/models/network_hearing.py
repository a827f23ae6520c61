"""What trained networks hear in a line: how sure their phone heads are of p, b or m at each frame (every
recognition mode; numpy, models/phone_heads.py; phones/heard_bilabials.py relabels the consonants the
search confuses with them), and for recognition "network" where the hearing run seals the lips (closures
the phone search missed) and how far it opens the jaw (vowels the phone search misheard as closer ones).

Without a transcript the phone search misses p/b/m mostly by hearing them at another place of
articulation (t, d, k, n), and under-opens vowels it mishears; a network trained on many voices hears lip
contact and opening from the sound itself and misses different ones. Measured on voices neither ever
heard (benchmarks/RESULTS.md), the two together close and open far more. The hearing run runs only for
recognition "network", so torch is imported then and never for the default modes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.clip import AudioClip
from ..errors import ModelError
from ..metrics.lipsync import SEALED, frame_runs
from ..motion.arkit import ARKIT_INDEX
from ..motion.visemes import mouth_opening
from ..phones.heard_bilabials import HeardLips
from .base import AnimationRequest
from .phone_heads import PhoneHeads
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
    bilabial_fps: float  # the heads' own frame rate (the networks', at which the thresholds were chosen)

    def lips(self, fps: float) -> HeardLips:
        """What the phone search is told: where the weights (at `fps`) seal the lips, and the p/b/m probability."""
        return HeardLips(sealed_spans(self.weights, fps), self.bilabial, self.bilabial_fps)


class NetworkHearing:
    """`hearing(clip, fps)` -> Heard: the hearing run's motion for the line (torch), and the mean probability of
    p, b or m that its phone head (when it has one) and the listening runs' heads hear at each of its frames
    (`bilabials(clip)`, numpy only: every recognition mode asks it)."""

    def __init__(self, device: str = "auto", run_folder: Path = SHIPPED_MODELS_DIR / HEARING_RUN,
                 listening: tuple[Path, ...] = tuple(SHIPPED_MODELS_DIR / name for name in LISTENING_RUNS),
                 phone_heads: bool = True) -> None:
        self.device, self.run_folder, self.listening = device, Path(run_folder), tuple(map(Path, listening))
        # False: no head listens, the hearing run's own included (what a checkpoint's motion alone decides).
        self.phone_heads = phone_heads
        self._model = None
        self._heads: PhoneHeads | None = None
        self._lock = threading.Lock()  # one load of the hearing run, whichever job asks first
        # The heads' own: fast jobs must not wait while a network job loads torch and the hearing run.
        self._heads_lock = threading.Lock()

    def __call__(self, clip: AudioClip, fps: float) -> Heard:
        hearing = self._loaded()
        weights = hearing.animate(AnimationRequest(clip=clip, fps=fps, offsets=False)).weights
        bilabial, own_fps = self.bilabials(clip) if self._head_folders() else (None, hearing.config.fps)
        return Heard(weights, bilabial, own_fps)

    def bilabials(self, clip: AudioClip) -> tuple[np.ndarray, float]:
        """(the heads' mean p/b/m probability per frame, their frame rate); ModelError when a run is unusable."""
        with self._heads_lock:
            if self._heads is None:
                if not (folders := self._head_folders()):
                    raise ModelError(f"No trained run here has a phone head to listen for p, b and m with "
                                     f"({self.run_folder.name}); choose a hearing run that has one.")
                self._heads = PhoneHeads(folders)
        return self._heads(clip)

    def _head_folders(self) -> tuple[Path, ...]:
        """The folders of the runs whose heads listen (none: no head at all): the hearing run's when it has one,
        and the listening runs'. ModelError for any that cannot be read: the thresholds were chosen on the mean
        of all of them."""
        if not self.phone_heads:
            return ()
        folders = []
        for folder in (self.run_folder, *self.listening):
            run, problem = _hearing_run(folder, "listening")
            if run is not None and not run.problem and not run.phone_head and folder == self.run_folder:
                continue  # a hearing run without a head of its own: the listening runs' heads still listen
            if problem:
                raise ModelError(f"The trained run {folder.name}, whose phone head listens for p, b and m, "
                                 f"cannot be used here ({problem}).")
            folders.append(run.folder)
        return tuple(folders)

    def _loaded(self):
        with self._lock:
            if self._model is None:
                for folder, role in [(self.run_folder, "hearing"), *((folder, "listening") for folder in self.listening)]:
                    if problem := _hearing_run(folder, role)[1]:
                        raise ModelError(f"Recognition 'network' hears the line with the trained run {folder.name}, "
                                         f"which cannot be used here ({problem}). Choose recognition 'fast' instead.")
                from ..devices import resolve_device
                from .trained_run import TrainedRunModel

                run, _ = _hearing_run(self.run_folder)
                self._model = TrainedRunModel(run.folder, resolve_device(self.device), name=run.name)
            return self._model


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
        return run, run.problem or ("" if run.phone_head else "it has no phone head to listen with")
    return run, run.problem or torch_missing() or ("" if run.motion_space == "weights" else
                                                   "it predicts vertices, not ARKit weights")


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
