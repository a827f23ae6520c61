"""Match a mesh's shape keys to the 52 ARKit blend-shape names, tolerating case and common prefixes."""

import re

# Apple's order; the backend's `lipwright.motion.arkit.ARKIT_NAMES` is the same list.
ARKIT_NAMES = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight",
    "eyeLookOutRight", "eyeLookUpRight", "eyeSquintRight", "eyeWideRight", "jawForward",
    "jawLeft", "jawRight", "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft",
    "mouthRight", "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthPressLeft",
    "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft",
    "browOuterUpRight", "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft",
    "noseSneerRight", "tongueOut",
)

# A mesh with at least this many matched keys is treated as ARKit-rigged in AUTO mode.
MIN_ARKIT_MATCHES = 10

# Prefixes exporters put in front of the names (Character Creator, Ready Player Me, Maya, FBX...).
_PREFIX = re.compile(
    r"^(?:a\d{1,2}[_.\- ]|arkit[_.\- ]?|bs[_.\- ]|blendshape\d*[_.\- ]|face[_.\- ]|facs[_.\- ]|shape[_.\- ])",
)
# Trailing side letters: 'eyeBlink_L', 'mouthSmile.R'.
_SIDE_SUFFIX = re.compile(r"[_.\- ]([lr])$")
_CANONICAL = {name.lower(): name for name in ARKIT_NAMES}


def normalise(key_name: str) -> str:
    """'A01_Brow_Inner_Up' -> 'browinnerup'; 'eyeBlink_L' -> 'eyeblinkleft'."""
    text = key_name.strip().lower()
    for _ in range(3):  # prefixes can stack: 'blendShape1.arkit_jawOpen'
        stripped = _PREFIX.sub("", text)
        if stripped == text:
            break
        text = stripped
    side = _SIDE_SUFFIX.search(text)
    if side:
        text = text[: side.start()] + ("left" if side.group(1) == "l" else "right")
    return re.sub(r"[^a-z0-9]", "", text)


def match_arkit_keys(key_names) -> dict[str, str]:
    """{ARKit name: shape key name} for every ARKit name the keys cover; exact names win over loose ones."""
    matches: dict[str, str] = {}
    names = list(key_names)
    for name in names:  # exact (case-insensitive) first
        canonical = _CANONICAL.get(name.lower())
        if canonical and canonical not in matches:
            matches[canonical] = name
    for name in names:
        canonical = _CANONICAL.get(normalise(name))
        if canonical and canonical not in matches and name not in matches.values():
            matches[canonical] = name
    return matches
