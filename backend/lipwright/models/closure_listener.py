"""Where a trained network hears the lips shut: spans for the phone search to add the closures it missed.

Without a transcript the phone search misses p/b/m mostly by hearing them at another place of
articulation (t, d, k, n); a network trained on many voices hears lip contact from the sound itself and
misses different ones. Measured on voices neither ever heard (benchmarks/RESULTS.md), the union closes
far more p/b/m at few extra closures. The network runs only when asked (recognition "network"), so
torch is imported then and never for the default modes.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..audio.clip import AudioClip
from ..errors import ModelError
from ..metrics.lipsync import SEALED
from ..motion.visemes import mouth_opening
from .run_folders import SHIPPED_MODELS_DIR, read_run, run_folder_of, torch_missing

# The shipped network whose closures held up best on the unseen-voice development set (GLDiTalker,
# one sample drawn from seed 0: the same line always gets the same closures).
HEARING_RUN = "gldtalker-synthetic"


class ClosureListener:
    """`listener(clip)` -> [(start, end)] seconds where the network's motion seals the lips."""

    def __init__(self, device: str = "auto", run_folder: Path = SHIPPED_MODELS_DIR / HEARING_RUN) -> None:
        self.device, self.run_folder = device, Path(run_folder)
        self._model = None
        self._lock = threading.Lock()  # one load, whichever job asks first

    def __call__(self, clip: AudioClip) -> list[tuple[float, float]]:
        model = self._loaded()
        weights = model.predict_lines([clip], [None])[0]
        return sealed_spans(mouth_opening(weights) <= SEALED, model.config.fps)

    def _loaded(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        folder = run_folder_of(self.run_folder)
        run = read_run(self.run_folder.name, folder) if folder else None
        problem = (f"{self.run_folder} holds no trained run" if run is None else run.problem or torch_missing()
                   or ("" if run.motion_space == "weights" else "it predicts vertices, not ARKit weights"))
        if problem:
            raise ModelError(f"Recognition 'network' hears lip closures with the trained run {self.run_folder.name}, "
                             f"which cannot be used here ({problem}). Choose recognition 'fast' instead.")
        from ..devices import resolve_device
        from .trained_run import TrainedRunModel

        return TrainedRunModel(run.folder, resolve_device(self.device), name=run.name)


def sealed_spans(sealed: np.ndarray, fps: float) -> list[tuple[float, float]]:
    """Runs of True frames as (start, end) seconds."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], sealed.astype(np.int8), [0]])))
    return [(first / fps, last / fps) for first, last in zip(edges[::2], edges[1::2])]
