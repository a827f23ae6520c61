"""Phone -> viseme: the ARKit face-unit pose each phone aims for, and how strongly it holds it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arkit import ARKIT_INDEX, ARKIT_NAMES

# Face units the jaw drives; everything else in the lower face belongs to the lips. The two groups
# blend separately so a consonant can own the lips while the vowel around it keeps the jaw.
JAW_UNITS = ("jawOpen", "mouthClose")
LIP_UNITS = (
    "mouthFunnel", "mouthPucker", "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft",
    "mouthStretchRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight", "tongueOut",
)
# Units that part the lips: zero at a bilabial closure.
LIP_OPENING_UNITS = ("mouthFunnel", "mouthLowerDownLeft", "mouthLowerDownRight",
                     "mouthUpperUpLeft", "mouthUpperUpRight", "mouthStretchLeft", "mouthStretchRight",
                     "mouthSmileLeft", "mouthSmileRight", "tongueOut")

# The lip units mouth_opening counts: those that hold the lips apart by themselves.
GAP_LIP_UNITS = ("mouthFunnel", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight")

BILABIALS = frozenset({"P", "B", "M"})
LABIODENTALS = frozenset({"F", "V"})
ROUNDED = frozenset({"W", "UW", "OW", "OY", "UH"})
SILENCE = "SIL"


@dataclass(frozen=True)
class Viseme:
    """pose: ARKit name -> weight; lip/jaw_dominance: how strongly the phone holds each group
    against its neighbours (Cohen-Massaro dominance); low values let neighbours show through."""

    pose: dict[str, float]
    lip_dominance: float
    jaw_dominance: float


def _both(name: str, value: float) -> dict[str, float]:
    return {f"{name}Left": value, f"{name}Right": value}


# ARKit's own convention: lips sealed with the jaw slightly open is jawOpen == mouthClose.
CLOSURE_POSE: dict[str, float] = {
    "jawOpen": 0.04, "mouthClose": 0.04, **_both("mouthPress", 0.35),
    "mouthRollLower": 0.15, "mouthRollUpper": 0.10,
}

VISEMES: dict[str, Viseme] = {
    SILENCE: Viseme({}, 1.0, 1.0),
    # Open vowels: the jaw carries them; lip units add the shape. AA, AE and AO dominate their
    # neighbours strongly: short and fast, they must still open the jaw clearly in running speech.
    "AA": Viseme({"jawOpen": 0.60, **_both("mouthLowerDown", 0.25), **_both("mouthUpperUp", 0.05)}, 1.8, 3.0),
    "AE": Viseme({"jawOpen": 0.50, **_both("mouthLowerDown", 0.25), **_both("mouthStretch", 0.20),
                  **_both("mouthUpperUp", 0.10)}, 1.8, 3.0),
    "AH": Viseme({"jawOpen": 0.45, **_both("mouthLowerDown", 0.15)}, 0.5, 1.0),
    "AO": Viseme({"jawOpen": 0.50, "mouthFunnel": 0.35, "mouthPucker": 0.10}, 2.1, 3.0),
    "EH": Viseme({"jawOpen": 0.35, **_both("mouthLowerDown", 0.15), **_both("mouthStretch", 0.20)}, 0.5, 0.9),
    "ER": Viseme({"jawOpen": 0.25, "mouthFunnel": 0.30, "mouthPucker": 0.15}, 0.6, 0.8),
    "IH": Viseme({"jawOpen": 0.20, **_both("mouthStretch", 0.25), **_both("mouthSmile", 0.10)}, 0.5, 0.8),
    "IY": Viseme({"jawOpen": 0.12, **_both("mouthStretch", 0.35), **_both("mouthSmile", 0.30)}, 0.7, 0.8),
    "UH": Viseme({"jawOpen": 0.20, "mouthFunnel": 0.35, "mouthPucker": 0.35}, 0.8, 0.8),
    "UW": Viseme({"jawOpen": 0.10, "mouthFunnel": 0.35, "mouthPucker": 0.75}, 0.9, 0.8),
    # Consonants. Bilabials and labiodentals own the lips and jaw; tongue consonants barely touch
    # the lips, so the neighbouring vowel's rounding or spreading shows through them.
    "P": Viseme(CLOSURE_POSE, 1.0, 1.0),
    "B": Viseme(CLOSURE_POSE, 1.0, 1.0),
    "M": Viseme(CLOSURE_POSE, 1.0, 1.0),
    # Lower lip tucked under the upper teeth: roll it in and lift the upper lip a little, jaw nearly shut.
    "F": Viseme({"jawOpen": 0.08, "mouthRollLower": 0.60, **_both("mouthUpperUp", 0.30),
                 "mouthShrugUpper": 0.10}, 1.0, 0.9),
    "V": Viseme({"jawOpen": 0.08, "mouthRollLower": 0.60, **_both("mouthUpperUp", 0.30),
                 "mouthShrugUpper": 0.10}, 1.0, 0.9),
    "W": Viseme({"jawOpen": 0.10, "mouthPucker": 0.80, "mouthFunnel": 0.30}, 0.9, 0.7),
    "R": Viseme({"jawOpen": 0.15, "mouthFunnel": 0.30, "mouthPucker": 0.20}, 0.5, 0.5),
    "SH": Viseme({"jawOpen": 0.12, "mouthFunnel": 0.50, "mouthPucker": 0.25, **_both("mouthUpperUp", 0.15)}, 0.8, 0.8),
    "ZH": Viseme({"jawOpen": 0.12, "mouthFunnel": 0.50, "mouthPucker": 0.25, **_both("mouthUpperUp", 0.15)}, 0.8, 0.8),
    "CH": Viseme({"jawOpen": 0.12, "mouthFunnel": 0.45, "mouthPucker": 0.25, **_both("mouthUpperUp", 0.15)}, 0.8, 0.8),
    "JH": Viseme({"jawOpen": 0.12, "mouthFunnel": 0.45, "mouthPucker": 0.25, **_both("mouthUpperUp", 0.15)}, 0.8, 0.8),
    "S": Viseme({"jawOpen": 0.06, **_both("mouthStretch", 0.30), **_both("mouthSmile", 0.10)}, 0.4, 0.9),
    "Z": Viseme({"jawOpen": 0.06, **_both("mouthStretch", 0.30), **_both("mouthSmile", 0.10)}, 0.4, 0.9),
    "TH": Viseme({"jawOpen": 0.12, "tongueOut": 0.15}, 0.3, 0.7),
    "DH": Viseme({"jawOpen": 0.12, "tongueOut": 0.15}, 0.3, 0.7),
    "T": Viseme({"jawOpen": 0.12, **_both("mouthStretch", 0.10)}, 0.2, 0.6),
    "D": Viseme({"jawOpen": 0.12, **_both("mouthStretch", 0.10)}, 0.2, 0.6),
    "N": Viseme({"jawOpen": 0.12, **_both("mouthStretch", 0.10)}, 0.2, 0.6),
    "L": Viseme({"jawOpen": 0.18}, 0.2, 0.5),
    "K": Viseme({"jawOpen": 0.18}, 0.15, 0.5),
    "G": Viseme({"jawOpen": 0.18}, 0.15, 0.5),
    "NG": Viseme({"jawOpen": 0.18}, 0.15, 0.5),
    "HH": Viseme({"jawOpen": 0.25}, 0.05, 0.2),
    "Y": Viseme({"jawOpen": 0.08, **_both("mouthStretch", 0.30), **_both("mouthSmile", 0.20)}, 0.6, 0.7),
}

# Diphthongs glide between two vowels: the first half aims at one, the second at the other.
DIPHTHONGS: dict[str, tuple[str, str]] = {
    "AY": ("AA", "IY"), "AW": ("AA", "UH"), "EY": ("EH", "IY"), "OW": ("AO", "UW"), "OY": ("AO", "IY"),
}


def viseme_for(label: str) -> Viseme:
    """The viseme of an ARPAbet label; unknown labels read as silence (the mouth rests)."""
    return VISEMES.get(label, VISEMES[SILENCE])


def pose_vector(pose: dict[str, float]) -> np.ndarray:
    """pose as a (52,) float32 vector in ARKIT_NAMES order."""
    vector = np.zeros(len(ARKIT_NAMES), dtype=np.float32)
    for name, value in pose.items():
        vector[ARKIT_INDEX[name]] = value
    return vector


def mouth_opening(weights: np.ndarray) -> np.ndarray:
    """weights: (..., 52) -> (...,) a weight-space measure of how far the lips are apart.

    0 means sealed. The jaw parts the lips unless mouthClose cancels it (ARKit's convention);
    the lip units that lift or drop a lip add to it."""
    w = np.asarray(weights, dtype=np.float32)
    jaw_gap = np.maximum(w[..., ARKIT_INDEX["jawOpen"]] - w[..., ARKIT_INDEX["mouthClose"]], 0.0)
    lips = sum(w[..., ARKIT_INDEX[name]] for name in GAP_LIP_UNITS)
    return jaw_gap + 0.25 * lips
