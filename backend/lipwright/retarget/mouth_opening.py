"""How far a character's mouth is open at rest, read from its landmarks as the default head's jawOpen weight.

Sculpts and scans are often modelled with the mouth open. Fitting the closed default head onto them would
have to tear its lips apart by warping alone: the warp's local maps then stretch every key around the mouth
(jawOpen carried 1.4 mouth widths off) and the fit folds the lower lip. Opened by its own jawOpen first, the
head fits such a face as it fits a closed one, and its keys, being offsets, apply to the opened head unchanged."""

from __future__ import annotations

import numpy as np

from ..geometry.similarity import fit_similarity

# The jawOpen weights tried: the head's own range.
_WEIGHTS = np.linspace(0.0, 1.0, 201)
# The similarity's scale depends a little on the opening it is fitted with: read the gap again this often.
_ROUNDS = 3
# Below this weight the mouth counts as closed: a shut mouth must stay fitted shut, and a found landmark a
# millimetre off the seam must not open it. At 0.08 the default head's lip midpoints stand 4.9 mm apart (10% of
# its mouth width; shut, 2.6 mm), its lips clearly parted; detected midpoints on shut faces read up to 0.05.
MIN_OPEN_WEIGHT = 0.08


def rest_jaw_opening(template_points: np.ndarray, jaw_open_offsets: np.ndarray, character_points: np.ndarray,
                     upper: int, lower: int) -> float:
    """template_points (n, 3): the head's landmarks at rest; jaw_open_offsets (n, 3): jawOpen's offsets there
    at weight 1; character_points (n, 3): the same landmarks on the character; upper, lower: the rows of the lip
    midpoints. Returns the jawOpen weight in [0, 1] that parts the head's lip midpoints as far as the
    character's, at the scale of the similarity between the landmarks (0 when under MIN_OPEN_WEIGHT).

    Only the lips' gap decides, not how well the opened head matches every landmark: a face of other
    proportions misleads the latter (the stylised test face, chin pulled in, opened by 0.2 and 0.35 read 0 and
    0.145 by the best similarity over all landmarks, and its keys opened the jaw twice as far as the truth;
    by the gap, 0.19 and 0.315)."""
    opened_by = jaw_open_offsets[upper] - jaw_open_offsets[lower]
    head_gaps = np.linalg.norm(template_points[upper] - template_points[lower] + _WEIGHTS[:, None] * opened_by, axis=1)
    weight = 0.0
    for _ in range(_ROUNDS):
        similarity = fit_similarity(template_points + weight * jaw_open_offsets, character_points)
        gap = np.linalg.norm(character_points[upper] - character_points[lower]) / similarity.scale
        weight = float(_WEIGHTS[np.argmin(np.abs(head_gaps - gap))])
    return weight if weight >= MIN_OPEN_WEIGHT else 0.0
