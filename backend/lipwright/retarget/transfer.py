"""Carries the template's motion (its 52 face units, or a model's per-frame vertex offsets) onto a character."""

from __future__ import annotations

import numpy as np

from ..errors import MeshError
from .correspondence import Correspondence

# Frames carried at once: bounds the gathered (frames, Vchar, 3, 3) array to about 100 MB at 200,000 vertices.
_FRAMES_AT_ONCE = 8


def transfer_offsets(offsets: np.ndarray, correspondence: Correspondence) -> np.ndarray:
    """offsets: (frames, Vtemplate, 3) or (Vtemplate, 3) template displacements -> (frames, Vchar, 3) or
    (Vchar, 3) float32 character displacements: each read at the character vertex's place on the fitted
    template, then turned and stretched into the character's own surface frame."""
    offsets = np.asarray(offsets, dtype=np.float32)
    if offsets.ndim not in (2, 3) or offsets.shape[-2:] != (correspondence.template_vertex_count, 3):
        raise MeshError(f"The offsets have shape {offsets.shape}, but this character was prepared against a "
                        f"template of {correspondence.template_vertex_count} vertices: (frames, "
                        f"{correspondence.template_vertex_count}, 3) is needed. Prepare the character for this model.")
    if offsets.ndim == 2:
        return transfer_offsets(offsets[None], correspondence)[0]
    result = np.empty((len(offsets), correspondence.vertex_count, 3), dtype=np.float32)
    for start in range(0, len(offsets), _FRAMES_AT_ONCE):
        sampled = correspondence.sample(offsets[start:start + _FRAMES_AT_ONCE])
        result[start:start + _FRAMES_AT_ONCE] = np.einsum("vij,fvj->fvi", correspondence.frames, sampled)
    return result


def transfer_targets(targets: np.ndarray, correspondence: Correspondence) -> np.ndarray:
    """targets: (units, Vtemplate, 3) face units at weight 1 -> (units, Vchar, 3) float32 shape-key offsets."""
    return transfer_offsets(targets, correspondence)
