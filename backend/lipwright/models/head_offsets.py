"""ARKit weights shown on the default head, or on the user's mesh of its topology (through the
similarity that places the head on it): what every weights-space model returns beside its weights."""

from __future__ import annotations

import numpy as np

from ..geometry.placement import place_on_mesh
from .base import AnimationRequest
from .offset_frames import OffsetFrames


def rest_and_offsets(head, weights: np.ndarray, request: AnimationRequest, model_name: str
                     ) -> tuple[np.ndarray, OffsetFrames | None]:
    """The rest vertices, and the offsets when the request asks for them (None for weights only)."""
    rest = head.mesh.vertices if request.mesh is None else request.mesh.vertices
    offsets = None
    if request.offsets:
        # Computed chunk by chunk while the result is written: a long line never holds them all.
        transform = None
        if request.mesh is not None:
            transform = place_on_mesh(head.mesh, request.mesh, model_name=model_name).map_offsets
        offsets = OffsetFrames(weights, head.targets, transform)
    return np.asarray(rest, dtype=np.float32), offsets
