"""Detects facial landmarks on a front render with MediaPipe Face Mesh, whose models ship inside its wheel.

mediapipe 0.10.14 to 0.10.21 carry face_landmark.tflite and the face detector in the package and run the
legacy `solutions.face_mesh` graph from those files alone (Apache-2.0); later releases ship no models and
would download them, so they are not used. Install with `pip install lipwright[faces]`."""

from __future__ import annotations

import threading

import numpy as np

from ..errors import LipwrightError

# Face Mesh indices for the default head's landmarks, in a picture that is not mirrored: the character's
# left is the picture's right. Chosen to sit where the head's own landmarks sit (lid points a little
# outward of the lid's middle, the nose's most frontal point).
FACE_MESH_INDEX: dict[str, int] = {
    "lip_upper_mid": 13, "lip_lower_mid": 14,
    "mouth_corner_left": 291, "mouth_corner_right": 61,
    "chin": 152, "nose_tip": 4,
    "upper_lid_left": 387, "upper_lid_right": 160,
    "lower_lid_left": 373, "lower_lid_right": 144,
}
INSTALL_HINT = "install the face detector with `pip install lipwright[faces]` (mediapipe 0.10.14 to 0.10.21)"

_lock = threading.Lock()
_face_mesh = None


class DetectorMissing(LipwrightError):
    """MediaPipe (a version that ships its models) is not installed."""


def detector_available() -> bool:
    try:
        _solutions()
    except DetectorMissing:
        return False
    return True


def detect_landmarks(image: np.ndarray) -> dict[str, np.ndarray] | None:
    """image: (H, W, 3) float in [0, 1] or uint8 RGB -> landmark name -> (column, row) in pixels,
    or None when no face is found. Raises DetectorMissing when MediaPipe is not installed."""
    global _face_mesh
    solutions = _solutions()
    picture = np.asarray(image)
    if picture.dtype != np.uint8:
        picture = (np.clip(picture, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    picture = np.ascontiguousarray(picture[:, :, :3])
    with _lock:  # one graph, fed one picture at a time
        if _face_mesh is None:
            _face_mesh = solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1,
                                                      refine_landmarks=False, min_detection_confidence=0.5)
        result = _face_mesh.process(picture)
    if not result.multi_face_landmarks:
        return None
    found = result.multi_face_landmarks[0].landmark
    height, width = picture.shape[:2]
    return {name: np.array([found[index].x * width, found[index].y * height]) for name, index in FACE_MESH_INDEX.items()}


def _solutions():
    try:
        import mediapipe
        solutions = mediapipe.solutions
        solutions.face_mesh  # noqa: B018 (absent in releases that ship no models)
    except (ImportError, AttributeError) as error:
        raise DetectorMissing(f"the face detector is not available ({error}): {INSTALL_HINT}") from None
    return solutions
