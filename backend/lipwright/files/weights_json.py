"""ARKit weight curves as JSON for game pipelines: {"fps", "names", "frames": frames x units}."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np

from .atomic import write_text_atomically


def weights_json_text(weights: np.ndarray, weight_names: Sequence[str], fps: float) -> str:
    frames = np.round(np.asarray(weights, dtype=np.float64), 6).tolist()
    return json.dumps({"fps": float(fps), "names": [str(name) for name in weight_names], "frames": frames},
                      separators=(",", ":"))


def write_weights_json(path: str | os.PathLike, weights: np.ndarray, weight_names: Sequence[str], fps: float) -> None:
    write_text_atomically(path, weights_json_text(weights, weight_names, fps))
