"""Carries the template's motion (its 52 face units, or a model's per-frame vertex offsets) onto a character."""

from __future__ import annotations

import numpy as np

from ..errors import MeshError
from .correspondence import Correspondence


def transfer_offsets(offsets: np.ndarray, correspondence: Correspondence) -> np.ndarray:
    """offsets: (frames, Vtemplate, 3) or (Vtemplate, 3) template displacements -> (frames, Vchar, 3) or
    (Vchar, 3) float32 character displacements: each read at the character vertex's place on the fitted
    template, then turned and stretched into the character's own surface frame."""
    offsets = np.asarray(offsets, dtype=np.float32)
    if offsets.shape[-2:] != (correspondence.template_vertex_count, 3):
        raise MeshError(f"The offsets have shape {offsets.shape}, but this character was prepared against a "
                        f"template of {correspondence.template_vertex_count} vertices: (frames, "
                        f"{correspondence.template_vertex_count}, 3) is needed. Prepare the character for this model.")
    sampled = correspondence.sample(offsets)
    return np.einsum("vij,...vj->...vi", correspondence.frames, sampled).astype(np.float32)


def transfer_targets(targets: np.ndarray, correspondence: Correspondence, chunk: int = 8) -> np.ndarray:
    """targets: (units, Vtemplate, 3) face units -> (units, Vchar, 3) float32 shape-key offsets, a few
    units at a time so 52 × 200,000 vertices never needs more than the result's memory."""
    result = np.empty((len(targets), correspondence.vertex_count, 3), dtype=np.float32)
    for start in range(0, len(targets), chunk):
        result[start:start + chunk] = transfer_offsets(targets[start:start + chunk], correspondence)
    return result
