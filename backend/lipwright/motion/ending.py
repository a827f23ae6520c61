"""End every line at rest: audio cut off mid-word would otherwise leave the last frame's mouth open."""

from __future__ import annotations

import numpy as np

EASE_SECONDS = 0.12


def ease_to_rest_at_end(weights: np.ndarray, fps: float) -> np.ndarray:
    """weights: (frames, units); the last EASE_SECONDS fall smoothly to zero, the last frame exactly.

    Lines that already end in silence are unchanged (their weights are zero there already)."""
    n = min(len(weights), max(1, int(round(EASE_SECONDS * fps))))
    eased = weights.copy()
    # Half a cosine falling to 0: no kink where the ease starts, rest on the final frame.
    ramp = 0.5 * (1.0 + np.cos(np.pi * np.arange(1, n + 1) / n))
    eased[-n:] *= ramp[:, None].astype(weights.dtype)
    return eased
