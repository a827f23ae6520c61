"""Seeded eyebrow gestures for a synthetic corpus's targets.

The teacher (the `phonemes` model) moves only the mouth and jaw, so a corpus made with it teaches a model a
still upper face, the same on every sample of a line. People raise their brows on phrase onsets and on
accented syllables, knit them now and then, and never the same way twice: brow raises come with rises of the
voice and last about a third of a second to a second. These gestures are drawn per clip from its own random
stream, timed on the clip's speech, so a sampling model (gldtalker, landmarks) learns an upper face that
follows the speech and differs between samples, as motion capture does. Blinks are left to the add-on."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..phones.phone import VOWELS

PAUSE = "SIL"
RAISE_UNITS = ("browInnerUp", "browOuterUpLeft", "browOuterUpRight")
FROWN_UNITS = ("browDownLeft", "browDownRight")
BROW_STREAM = 0xB20  # keeps brow draws apart from the corpus's other random streams

PHRASE_ONSET_CHANCE = 0.55  # the first vowel after a pause (or the line's start)
VOWEL_CHANCE = 0.12         # any other vowel long enough to carry an accent
MIN_VOWEL_SECONDS = 0.07
FROWN_SHARE = 0.2
REFRACTORY_SECONDS = 0.8    # no new gesture starts while the last one is still rising or held


def brow_rng(seed: int, clip_index: int) -> np.random.Generator:
    """Clip `clip_index`'s own stream: the same gestures whenever the clip is made or remade."""
    return np.random.default_rng([seed, clip_index, BROW_STREAM])


def brow_gestures(phones: Sequence[Sequence], frames: int, fps: float, names: Sequence[str],
                  rng: np.random.Generator) -> np.ndarray:
    """(frames, len(names)) float32 weights of the brow units (0 elsewhere), for a clip whose phones are
    (label, start, end) in seconds; frame f samples time f / fps."""
    column = {name: index for index, name in enumerate(names)}
    missing = [name for name in RAISE_UNITS + FROWN_UNITS if name not in column]
    if missing:
        raise ValueError(f"the units {missing} are not among the motion's names")
    times = np.arange(frames, dtype=np.float64) / fps
    out = np.zeros((frames, len(names)), dtype=np.float32)
    busy_until = -np.inf
    after_pause = True
    for label, start, end in phones:
        start, end = float(start), float(end)
        if label == PAUSE:
            after_pause = True
            continue
        if label not in VOWELS or end - start < MIN_VOWEL_SECONDS:
            continue
        chance = PHRASE_ONSET_CHANCE if after_pause else VOWEL_CHANCE
        after_pause = False
        if start < busy_until or rng.random() >= chance:
            continue
        envelope, busy_until = _envelope(times, start, end, rng)
        for unit, amount in _gesture(rng).items():
            out[:, column[unit]] = np.maximum(out[:, column[unit]], amount * envelope)
    return out


def _gesture(rng: np.random.Generator) -> dict[str, float]:
    """One gesture's peak weights: a raise (inner and outer brows, a little uneven) or a frown."""
    if rng.random() < FROWN_SHARE:
        strength = rng.uniform(0.2, 0.55)
        return {"browDownLeft": strength * rng.uniform(0.85, 1.0), "browDownRight": strength * rng.uniform(0.85, 1.0)}
    strength = rng.uniform(0.25, 0.85)
    outer = strength * rng.uniform(0.5, 1.0)
    return {"browInnerUp": strength, "browOuterUpLeft": outer * rng.uniform(0.85, 1.0),
            "browOuterUpRight": outer * rng.uniform(0.85, 1.0)}


def _envelope(times: np.ndarray, start: float, end: float, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A smooth rise just before the vowel, a hold past it, a slower fall; and when a new gesture may start."""
    rise_start = start - rng.uniform(0.04, 0.14)
    rise = rng.uniform(0.1, 0.18)
    fall_start = end + rng.uniform(0.08, 0.45)
    fall = rng.uniform(0.25, 0.5)
    up = _ramp((times - rise_start) / rise)
    down = 1.0 - _ramp((times - fall_start) / fall)
    return (up * down).astype(np.float32), max(fall_start, rise_start + REFRACTORY_SECONDS)


def _ramp(x: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, a raised cosine between: no kink a viewer would see as a pop."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * x)
