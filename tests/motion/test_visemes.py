"""The viseme table: every phone has a pose, poses stay in the lower face, and their shapes make sense."""

import numpy as np
import pytest

from lipwright.motion import ARKIT_INDEX, ARKIT_NAMES, VISEMES, mouth_opening, viseme_for
from lipwright.motion.visemes import CLOSURE_POSE, DIPHTHONGS, pose_vector
from lipwright.phones.phone import ARPABET

UPPER_FACE = [name for name in ARKIT_NAMES if name.startswith(("eye", "brow", "cheek", "nose"))]


def test_every_arpabet_phone_has_a_pose():
    assert ARPABET <= set(VISEMES) | set(DIPHTHONGS)
    assert all(first in VISEMES and second in VISEMES for first, second in DIPHTHONGS.values())


@pytest.mark.parametrize("label", sorted(VISEMES))
def test_poses_are_valid_lower_face_weights(label):
    viseme = viseme_for(label)
    vector = pose_vector(viseme.pose)
    assert vector.shape == (52,) and np.all((vector >= 0) & (vector <= 1))
    assert all(vector[ARKIT_INDEX[name]] == 0 for name in UPPER_FACE)
    # Relative strengths: open vowels dominate up to 3x so fast speech still opens them.
    assert 0 < viseme.lip_dominance <= 3 and 0 < viseme.jaw_dominance <= 3


def test_silence_is_rest():
    assert not pose_vector(viseme_for("SIL").pose).any()
    assert not pose_vector(viseme_for("something odd").pose).any()


def test_bilabials_seal_the_lips():
    for label in "PBM":
        pose = pose_vector(viseme_for(label).pose)
        assert mouth_opening(pose) == 0
        assert pose[ARKIT_INDEX["mouthPressLeft"]] > 0.2
    assert CLOSURE_POSE["jawOpen"] == CLOSURE_POSE["mouthClose"]


def test_jaw_follows_vowel_openness():
    jaw = {label: viseme_for(label).pose["jawOpen"] for label in ("AA", "AE", "AH", "AO", "IY", "UW")}
    assert min(jaw["AA"], jaw["AE"], jaw["AH"], jaw["AO"]) > 2 * max(jaw["IY"], jaw["UW"])


def test_labiodentals_tuck_the_lower_lip_with_little_jaw():
    for label in "FV":
        pose = viseme_for(label).pose
        assert pose["mouthRollLower"] >= 0.5 and pose["mouthUpperUpLeft"] > 0
        assert pose["jawOpen"] <= 0.1


def test_rounded_sounds_pucker_or_funnel():
    for label in ("W", "UW", "UH", "OW", "OY"):
        first = DIPHTHONGS.get(label, (label,))[0]
        pose = viseme_for(first).pose
        assert pose.get("mouthPucker", 0) + pose.get("mouthFunnel", 0) >= 0.4, label
    assert viseme_for("UW").pose["mouthPucker"] > viseme_for("AA").pose.get("mouthPucker", 0)
