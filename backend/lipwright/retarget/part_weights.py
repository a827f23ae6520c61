"""The per-frame weights of the ARKit units that move a character's separate parts (the jaw's, the tongue's and
the eyes'), read off a motion on the default head.

A vertex-space model gives offsets, not weights: a prepared character bakes them as Basis Keys, and its
separate teeth, tongue and eye meshes, which follow the face's ARKit keys, would stay still. Each frame's
offsets are projected onto all 52 of the head's units at once (non-negative least squares), so that lip and
cheek motion is explained by the lip and cheek units and only the rest shows in the jaw's; the weights of the
units that move a part are kept. Offsets made by the head's own units give those units' weights back exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..template.head_template import HeadTemplate
from .attached_parts import ATTACHED_PARTS

# A unit that moves no vertex of a part by more than this share of its largest motion anywhere moves no part.
_STILL_SHARE = 1e-3


@dataclass(frozen=True)
class PartWeights:
    """weights: (frames, units) float32, >= 0; names: the units (ARKit names, in the template's order)."""

    weights: np.ndarray
    names: tuple[str, ...]


def part_units(template: HeadTemplate) -> tuple[str, ...]:
    """The template's units that move its teeth, tongue or eyes (jawOpen, tongueOut, eyeLookInLeft ...)."""
    targets = np.asarray(template.targets, dtype=np.float64)
    parts = np.concatenate([np.asarray(template.parts[part]) for part in ATTACHED_PARTS if part in template.parts])
    moved = np.abs(targets[:, parts]).max(axis=(1, 2))
    largest = np.abs(targets).max(axis=(1, 2))
    return tuple(name for name, part, whole in zip(template.target_names, moved, largest)
                 if whole > 0 and part > _STILL_SHARE * whole)


def model_part_weights(weights: np.ndarray, names, template: HeadTemplate) -> PartWeights | None:
    """The part units' columns of a model's own weights (frames, units); None when some are missing."""
    index = {str(name): column for column, name in enumerate(names)}
    wanted = part_units(template)
    if not all(name in index for name in wanted):
        return None
    columns = [index[name] for name in wanted]
    return PartWeights(np.asarray(weights, dtype=np.float32)[:, columns], wanted)


def estimate_part_weights(offsets, template: HeadTemplate) -> PartWeights:
    """offsets: (frames, template vertices, 3), an array or a models.offset_frames.FrameBlocks, relative to the
    template's rest. Returns the part units' weights that best make each frame with the template's units."""
    from scipy.optimize import nnls

    targets = np.asarray(template.targets, dtype=np.float64)
    if tuple(offsets.shape[1:]) != targets.shape[1:]:
        raise ValueError(f"offsets of shape {tuple(offsets.shape)} do not move the template's "
                         f"{targets.shape[1]} vertices")
    # min |A w - b| = min |R w - Q^T b| + a constant (A = QR): each frame is a 52 x 52 problem, not 14,000 x 52.
    orthonormal, triangular = np.linalg.qr(targets.reshape(len(targets), -1).T)
    blocks = offsets.chunks() if hasattr(offsets, "chunks") else (np.asarray(offsets)[start:start + 256]
                                                                  for start in range(0, len(offsets), 256))
    projected = np.concatenate([np.asarray(block, dtype=np.float64).reshape(len(block), -1) @ orthonormal
                                for block in blocks] or [np.zeros((0, len(targets)))])
    weights = np.zeros((len(projected), len(targets)))
    for frame, row in enumerate(projected):
        if not np.any(row) or not np.all(np.isfinite(row)):  # at rest (or not a motion): the parts stay
            continue
        try:
            weights[frame] = nnls(triangular, row, maxiter=20 * len(targets))[0]
        except RuntimeError:  # no convergence: the unbounded answer, cut at 0, is close enough to steer teeth
            weights[frame] = np.maximum(np.linalg.lstsq(triangular, row, rcond=None)[0], 0.0)
    names = part_units(template)
    columns = [list(template.target_names).index(name) for name in names]
    return PartWeights(weights[:, columns].astype(np.float32), names)
