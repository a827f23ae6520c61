"""How different several samples of one line are: the measure stochastic models (GLDiTalker,
the landmark model) report beside LVE."""

from __future__ import annotations

import itertools

import numpy as np


def sample_diversity(samples: np.ndarray) -> float:
    """samples: (count, frames, ..., coordinates), count >= 2 outputs for the same audio. The mean over
    all pairs of the mean L2 distance (over the last axis) between them."""
    if len(samples) < 2:
        raise ValueError("diversity needs at least two samples of the same line")
    distances = [np.linalg.norm(samples[i] - samples[j], axis=-1).mean()
                 for i, j in itertools.combinations(range(len(samples)), 2)]
    return float(np.mean(distances))
