"""How far a character's mouth is open at rest, read from its landmarks as the default head's jawOpen weight.

Sculpts and scans are often modelled with the mouth open. Fitting the closed default head onto them would
have to tear its lips apart by warping alone: the warp's local maps then stretch every key around the mouth
(jawOpen carried 1.4 mouth widths off) and the fit folds the lower lip. Opened by its own jawOpen first, the
head fits such a face as it fits a closed one, and its keys, being offsets, apply to the opened head unchanged."""

from __future__ import annotations

import numpy as np

from ..geometry.similarity import fit_similarity

# The jawOpen weights tried (the head's own range), then refined once around the best.
_COARSE = np.linspace(0.0, 1.0, 21)
_FINE_STEP = 0.005
# Below this weight the mouth counts as closed: a closed character's landmarks (a wider mouth, a smaller chin)
# can prefer a slight opening by chance, and a shut mouth must stay fitted shut. At 0.08 the default head's
# lip midpoints stand 3 mm apart (a sixth of its mouth width), its lips clearly parted.
MIN_OPEN_WEIGHT = 0.08


def rest_jaw_opening(template_points: np.ndarray, jaw_open_offsets: np.ndarray,
                     character_points: np.ndarray) -> float:
    """template_points (n, 3): the head's landmarks at rest; jaw_open_offsets (n, 3): jawOpen's offsets there
    at weight 1; character_points (n, 3): the same landmarks on the character (any similarity of the head).
    Returns the jawOpen weight in [0, 1] whose opened head best matches the landmarks up to a similarity
    (0 when under MIN_OPEN_WEIGHT)."""
    def miss(weight: float) -> float:
        posed = template_points + weight * jaw_open_offsets
        similarity = fit_similarity(posed, character_points)
        return similarity.rms_error / similarity.scale  # in the head's own units, comparable across weights

    best = float(_COARSE[np.argmin([miss(weight) for weight in _COARSE])])
    step = float(_COARSE[1] - _COARSE[0])
    fine = np.clip(np.arange(best - step, best + step + _FINE_STEP / 2, _FINE_STEP), 0.0, 1.0)
    best = float(fine[np.argmin([miss(weight) for weight in fine])])
    return best if best >= MIN_OPEN_WEIGHT else 0.0
