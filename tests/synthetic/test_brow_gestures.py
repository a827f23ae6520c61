"""Seeded eyebrow gestures for the corpus's targets (synthetic/brow_gestures.py): timed on speech, smooth, only
the brows, the same for one seed and different for another."""

import numpy as np
import pytest

from lipwright.motion.arkit import ARKIT_NAMES
from lipwright.synthetic.brow_gestures import FROWN_UNITS, RAISE_UNITS, brow_gestures, brow_rng

FPS = 30.0
BROWS = [ARKIT_NAMES.index(name) for name in RAISE_UNITS + FROWN_UNITS]


def spoken_line(rng: np.random.Generator) -> list[tuple[str, float, float]]:
    """A made-up phone sequence: phrases of consonant-vowel syllables between pauses."""
    phones, time = [("SIL", 0.0, 0.5)], 0.5
    for _ in range(int(rng.integers(1, 4))):
        for _ in range(int(rng.integers(2, 9))):
            for label, length in ((str(rng.choice(["B", "T", "S", "M"])), rng.uniform(0.04, 0.1)),
                                  (str(rng.choice(["AA", "IY", "EH", "OW"])), rng.uniform(0.06, 0.2))):
                phones.append((label, time, time + length))
                time += length
        phones.append(("SIL", time, time + rng.uniform(0.3, 0.8)))
        time = phones[-1][2]
    phones.append(("SIL", time, time + 1.5))
    return phones


@pytest.mark.parametrize("seed", range(40))
def test_gestures_move_only_the_brows_smoothly_and_only_around_speech(seed):
    phones = spoken_line(np.random.default_rng(seed))
    frames = int(phones[-1][2] * FPS)
    gestures = brow_gestures(phones, frames, FPS, ARKIT_NAMES, brow_rng(7, seed))
    assert gestures.shape == (frames, len(ARKIT_NAMES)) and gestures.dtype == np.float32
    others = np.setdiff1d(np.arange(len(ARKIT_NAMES)), BROWS)
    assert not gestures[:, others].any()
    assert gestures.min() >= 0.0 and gestures.max() <= 1.0
    # No pop: the steepest step of a 0.85 raise over its shortest rise (0.1 s) is about 0.45 a frame.
    assert np.abs(np.diff(gestures, axis=0)).max() < 0.5
    # Still before the first word, and back at rest well inside the long pause that ends the line.
    assert not gestures[: int(0.3 * FPS)].any()
    assert not gestures[-int(0.4 * FPS):].any()


def test_one_seed_gives_one_answer_and_other_seeds_other_gestures():
    phones = spoken_line(np.random.default_rng(3))
    frames = int(phones[-1][2] * FPS)
    first = brow_gestures(phones, frames, FPS, ARKIT_NAMES, brow_rng(1, 3))
    np.testing.assert_array_equal(first, brow_gestures(phones, frames, FPS, ARKIT_NAMES, brow_rng(1, 3)))
    others = [brow_gestures(phones, frames, FPS, ARKIT_NAMES, brow_rng(seed, 3)) for seed in range(2, 12)]
    assert all(not np.array_equal(first, other) for other in others)


def test_most_lines_get_a_gesture_and_raises_outnumber_frowns():
    raised = frowned = moved = 0
    for seed in range(200):
        phones = spoken_line(np.random.default_rng(seed))
        gestures = brow_gestures(phones, int(phones[-1][2] * FPS), FPS, ARKIT_NAMES, brow_rng(0, seed))
        moved += gestures.any()
        raised += gestures[:, ARKIT_NAMES.index("browInnerUp")].max() > 0.1
        frowned += gestures[:, ARKIT_NAMES.index("browDownLeft")].max() > 0.1
    assert moved > 120 and raised > 2 * frowned > 0


def test_a_motion_without_brow_units_is_refused():
    with pytest.raises(ValueError, match="browInnerUp"):
        brow_gestures([("AA", 0.0, 0.2)], 10, FPS, ("jawOpen",), brow_rng(0, 0))
