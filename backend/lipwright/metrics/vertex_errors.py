"""Errors of predicted vertex motion against the truth, in the forms the field publishes
(CodeTalker's cal_metric: LVE and FDD), plus the plain mean vertex error.

All take sequences as (frames, vertices, 3) arrays; set-level figures average over every frame of
every sequence (LVE, mean vertex error) or over sequences (FDD), as the papers do."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def lip_max_errors(predicted: np.ndarray, truth: np.ndarray, lip_vertices: Sequence[int],
                   squared: bool = True) -> np.ndarray:
    """(frames,): per frame, the largest error over the lip vertices; squared L2 (the published form)
    or plain L2."""
    _check_pair(predicted, truth)
    lips = np.asarray(lip_vertices)
    squared_distance = np.sum((predicted[:, lips] - truth[:, lips]) ** 2, axis=-1)
    worst = squared_distance.max(axis=1)
    return worst if squared else np.sqrt(worst)


def lip_vertex_error(predicted: Sequence[np.ndarray], truth: Sequence[np.ndarray], lip_vertices: Sequence[int],
                     squared: bool = True) -> float:
    """LVE over a set of sequences: the mean over all their frames of `lip_max_errors`. VOCASET
    figures are quoted in 1e-5 (squared, m^2), BIWI in 1e-4 (mm^2 in its units)."""
    per_frame = [lip_max_errors(p, t, lip_vertices, squared) for p, t in zip(predicted, truth, strict=True)]
    return float(np.mean(np.concatenate(per_frame)))


def upper_face_dynamics(vertices: np.ndarray, template: np.ndarray, upper_face: Sequence[int]) -> float:
    """How much the upper face moves: per vertex, the standard deviation over time of its squared
    displacement from the template, averaged over the upper-face vertices."""
    upper = np.asarray(upper_face)
    squared_displacement = np.sum((vertices[:, upper] - template[upper]) ** 2, axis=-1)
    return float(np.mean(np.std(squared_displacement, axis=0)))


def upper_face_dynamics_deviation(predicted: Sequence[np.ndarray], truth: Sequence[np.ndarray],
                                  templates: Sequence[np.ndarray], upper_face: Sequence[int]) -> float:
    """FDD, signed: the truth's upper-face dynamics minus the prediction's, averaged over sequences.
    Positive means the prediction's upper face moves too little; report abs() beside it."""
    differences = []
    for p, t, template in zip(predicted, truth, templates, strict=True):
        _check_pair(p, t)
        differences.append(upper_face_dynamics(t, template, upper_face) - upper_face_dynamics(p, template, upper_face))
    return float(np.mean(differences))


def mean_vertex_error(predicted: Sequence[np.ndarray], truth: Sequence[np.ndarray]) -> float:
    """The mean L2 distance over every vertex of every frame of every sequence."""
    distances = []
    for p, t in zip(predicted, truth, strict=True):
        _check_pair(p, t)
        distances.append(np.linalg.norm(p - t, axis=-1).ravel())
    return float(np.mean(np.concatenate(distances)))


def _check_pair(predicted: np.ndarray, truth: np.ndarray) -> None:
    if predicted.shape != truth.shape:
        # Models may end a frame early or late; the caller trims both to the shorter, knowingly.
        raise ValueError(f"prediction {predicted.shape} and truth {truth.shape} differ in shape; trim both to "
                         "the same number of frames first")
