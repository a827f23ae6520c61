"""Errors of predicted ARKit weights against the truth, per unit, so a reader sees which shapes a
model gets wrong (jawOpen, mouthClose ...) rather than one blurred number."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..motion.arkit import ARKIT_NAMES


def per_unit_weight_error(predicted: Sequence[np.ndarray], truth: Sequence[np.ndarray]) -> dict[str, float]:
    """Mean absolute error per ARKit unit over every frame of every (frames, 52) sequence."""
    errors = []
    for p, t in zip(predicted, truth, strict=True):
        if p.shape != t.shape or p.shape[-1] != len(ARKIT_NAMES):
            raise ValueError(f"prediction {p.shape} and truth {t.shape} must both be (frames, {len(ARKIT_NAMES)})")
        errors.append(np.abs(p - t))
    mean = np.concatenate(errors).mean(axis=0)
    return {name: float(value) for name, value in zip(ARKIT_NAMES, mean)}
