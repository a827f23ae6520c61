"""The add-on's half of the prepare-character wire format (numpy and the standard library only).

Twin of `lipwright/prepare_wire.py` in the backend; `tests/test_prepare_wire_agreement.py` checks they match.
"""

import io
import json

import numpy as np

from .wire import WireError

PREPARE_REQUEST_KEYS = ("options", "vertices", "faces_flat", "face_sizes", "landmark_names", "landmark_points")
PREPARE_RESULT_KEYS = ("meta", "landmark_names", "landmark_points", "targets", "target_names",
                       "correspondence_corners", "correspondence_barycentric")
# "step": "landmarks" finds them (quick); "fit" fits with the given landmarks and makes the shape keys.
PREPARE_OPTION_NAMES = ("step", "use_detector")
PREPARE_STEPS = ("landmarks", "fit")
# The backend's limit (lipwright.retarget.inputs): larger meshes are refused before they are sent.
MAX_CHARACTER_VERTICES = 250_000


def encode_prepare_request(options: dict, vertices, faces_flat, face_sizes, landmarks: dict | None = None) -> bytes:
    """vertices: (V, 3) the character's Basis in object space; landmarks: name -> (3,) point (for "fit")."""
    unknown = set(options) - set(PREPARE_OPTION_NAMES)
    if unknown:
        raise WireError(f"unknown prepare-character options {sorted(unknown)}")
    arrays = {"options": np.array(json.dumps(options)), "vertices": np.asarray(vertices, dtype=np.float32),
              "faces_flat": np.asarray(faces_flat, dtype=np.int32),
              "face_sizes": np.asarray(face_sizes, dtype=np.int32)}
    if landmarks:
        arrays["landmark_names"] = np.array(list(landmarks), dtype=str)
        arrays["landmark_points"] = np.array([np.asarray(p, dtype=np.float64).reshape(3) for p in landmarks.values()])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def decode_prepare_result(data: bytes) -> dict:
    """meta parsed; landmarks as {name: (3,)}; target_names as a list when the result has targets."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except Exception as error:
        raise WireError(f"the backend's prepare-character result is not a readable npz archive ({error})") from None
    missing = [key for key in ("meta", "landmark_names", "landmark_points") if key not in arrays]
    if missing:
        raise WireError(f"the backend's prepare-character result lacks {missing}")
    result = dict(arrays)
    result["meta"] = json.loads(str(arrays["meta"]))
    result["landmarks"] = {str(n): p for n, p in zip(arrays["landmark_names"], arrays["landmark_points"])}
    if "target_names" in arrays:
        result["target_names"] = [str(n) for n in arrays["target_names"]]
    return result
