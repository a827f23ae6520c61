"""Lip-sync measures of a mouth track against the truth's phone timings (a synthesiser's own, or a
corpus's): p/b/m closed, open vowels opened, rest in pauses, lag. Shared by the lip-sync benchmark
and model evaluation, so their figures mean the same thing.

- p/b/m closed: the lips shut within a frame of the centre of every truth P, B, M;
- open vowels opened: every AA, AE, AO (and the first half of AY, AW) opens the mouth to at least
  40% of the line's opening range;
- closures off p/b/m ("spurious"): runs of sealed frames that come within 2 frames of no truth p, b, m
  or pause; a recogniser that shut the lips everywhere would score well on the first measure only;
- rest in pauses: every frame at least 0.15 s inside a truth pause of 0.3 s or more is at rest;
- lag: the shift (frames) that best correlates the mouth opening with the truth's, and the
  correlation at zero shift."""

from __future__ import annotations

import numpy as np

from ..motion.arkit import ARKIT_INDEX
from ..phones.phone import VOWELS
from ..runs import instants_within, true_runs
from ..motion.visemes import JAW_UNITS, LIP_UNITS, mouth_opening

# (label, start s, end s); labels are ARPAbet without stress, "SIL" for pauses.
PhoneTiming = tuple[str, float, float]

OPEN_VOWELS, OPEN_ONSETS = frozenset({"AA", "AE", "AO"}), frozenset({"AY", "AW"})
SEALED = 0.01
OPEN_FRACTION = 0.4
# The margin allows for anticipation: lips start shaping a word up to ~0.15 s before its sound.
PAUSE_SECONDS, PAUSE_MARGIN = 0.3, 0.15
# Lower-face weights under this are invisible (jawOpen 0.01 moves the lower lip about 0.3 mm).
REST_WEIGHT = 0.01
MAX_LAG_FRAMES = 5
_LOWER_FACE = np.array([ARKIT_INDEX[name] for name in (*JAW_UNITS, *LIP_UNITS)])


def opening_and_rest(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """weights: (frames, 52) ARKit. Per frame the mouth opening (0 = sealed) and whether the lower
    face is at rest."""
    return mouth_opening(weights), weights[:, _LOWER_FACE].max(axis=1) < REST_WEIGHT


def frames_of(start: float, end: float, n: int, fps: float) -> slice:
    """The frames whose times fall in [start, end]; the nearest one when none does."""
    return instants_within(start, end, fps, n)


def truth_opening(truth: list[PhoneTiming], n: int, fps: float) -> np.ndarray:
    """1 on vowels, 0 in pauses and on p/b/m, 0.4 on other consonants."""
    signal = np.zeros(n)
    for label, start, end in truth:
        value = 1.0 if label in VOWELS else 0.0 if label in ("SIL", "P", "B", "M") else 0.4
        signal[frames_of(start, end, n, fps)] = value
    return signal


def lipsync_scores(truth: list[PhoneTiming], opening: np.ndarray, rest: np.ndarray,
                   fps: float) -> dict[str, list[float]]:
    """Per-event outcomes (1.0 hit, 0.0 miss) under 'closed', 'opened', 'rest', and one value each
    under 'lag' (none when the mouth never moves) and 'correlation'; pool them over clips and average."""
    n = len(opening)
    span = max(opening.max() - opening.min(), 1e-9)
    closed, opened, rested = [], [], []
    for label, start, end in truth:
        if label in ("P", "B", "M"):
            centre = min(int(round(0.5 * (start + end) * fps)), n - 1)
            closed.append(float(opening[max(centre - 1, 0):centre + 2].min() <= SEALED))
        elif label in OPEN_VOWELS or label in OPEN_ONSETS:
            end = 0.5 * (start + end) if label in OPEN_ONSETS else end
            opened.append(float(opening[frames_of(start, end, n, fps)].max() >= OPEN_FRACTION * span))
        elif label == "SIL" and end - start >= PAUSE_SECONDS:
            rested.append(float(rest[frames_of(start + PAUSE_MARGIN, end - PAUSE_MARGIN, n, fps)].all()))
    reference = truth_opening(truth, n, fps)
    spurious = closures_off_bilabials(truth, opening <= SEALED, fps)
    scores = {"closed": closed, "opened": opened, "rest": rested, "spurious": [float(spurious)], "lag": [],
              "correlation": [0.0]}
    if np.ptp(opening) == 0 or np.ptp(reference) == 0:
        return scores  # a mouth that never moves has no lag, and correlates with nothing
    shifts = range(-MAX_LAG_FRAMES, MAX_LAG_FRAMES + 1)
    correlations = [np.corrcoef(np.roll(opening, -shift), reference)[0, 1] for shift in shifts]
    return {**scores, "lag": [float(shifts[int(np.argmax(correlations))])],
            "correlation": [float(correlations[MAX_LAG_FRAMES])]}


def closures_off_bilabials(truth: list[PhoneTiming], sealed: np.ndarray, fps: float) -> int:
    """How many runs of sealed frames no truth p, b, m or pause explains (within 2 frames)."""
    n = len(sealed)
    explained = np.zeros(n, dtype=bool)
    for label, start, end in truth:
        if label in ("P", "B", "M", "SIL"):
            span = frames_of(start, end, n, fps)
            explained[max(span.start - 2, 0):span.stop + 2] = True
    return sum(not explained[first:last].any() for first, last in frame_runs(sealed))


def frame_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) frame of every run of True in a per-frame mask, end exclusive."""
    return true_runs(mask)
