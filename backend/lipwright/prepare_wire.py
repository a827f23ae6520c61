"""The backend's half of the prepare-character wire format: a character mesh (and landmarks) in, landmarks,
52 ARKit shape-key offsets, the correspondence and the fit report out, all as npz bytes.

The add-on's twin is `blender_addon/prepare_wire.py`; `tests/test_prepare_wire_agreement.py` checks they match.
"""

import json

import numpy as np

from .geometry.validate import MAX_CORNERS_PER_VERTEX
from .wire import MAX_OPTIONS_BYTES, WireError, _load_npz, _npz_bytes

PREPARE_REQUEST_KEYS = ("options", "vertices", "faces_flat", "face_sizes", "landmark_names", "landmark_points")
PREPARE_RESULT_KEYS = ("meta", "landmark_names", "landmark_points", "targets", "target_names",
                       "correspondence_corners", "correspondence_barycentric")
# "step": "landmarks" finds them (quick); "fit" fits with the given landmarks and makes the shape keys.
PREPARE_OPTION_NAMES = ("step", "use_detector")
PREPARE_STEPS = ("landmarks", "fit")
MAX_LANDMARKS = 64


# A mesh up to this many times too large still unpacks, so that the answer can say by how much it is too large.
OVERSIZE_READ = 8


def prepare_request_limits(max_vertices: int) -> dict[str, int]:
    """The most bytes each request member may unpack to."""
    max_vertices *= OVERSIZE_READ
    corners = MAX_CORNERS_PER_VERTEX * max_vertices
    return {"options": MAX_OPTIONS_BYTES, "vertices": 3 * 8 * max_vertices, "faces_flat": 8 * corners,
            "face_sizes": 8 * corners, "landmark_names": 4 * 64 * MAX_LANDMARKS,
            "landmark_points": 3 * 8 * MAX_LANDMARKS}


def encode_prepare_request(options: dict, vertices, faces_flat, face_sizes, landmarks: dict | None = None) -> bytes:
    """vertices: (V, 3) the character's Basis in object space; landmarks: name -> (3,) point (for "fit")."""
    arrays = {"options": np.array(json.dumps(options)), "vertices": np.asarray(vertices, dtype=np.float32),
              "faces_flat": np.asarray(faces_flat, dtype=np.int32),
              "face_sizes": np.asarray(face_sizes, dtype=np.int32)}
    if landmarks:
        arrays["landmark_names"] = np.array(list(landmarks), dtype=str)
        arrays["landmark_points"] = np.array([np.asarray(p, dtype=np.float64).reshape(3) for p in landmarks.values()])
    return _npz_bytes(arrays)


def decode_prepare_request(data: bytes, max_vertices: int) -> tuple[dict, dict, dict | None]:
    """(options, mesh arrays, landmarks name -> (3,) or None); WireError naming the bad part."""
    arrays = _load_npz(data, "prepare-character request", PREPARE_REQUEST_KEYS, prepare_request_limits(max_vertices))
    missing = [key for key in ("options", "vertices", "faces_flat", "face_sizes") if key not in arrays]
    if missing:
        raise WireError(f"the prepare-character request lacks {missing}: send the options and the character's "
                        "vertices, faces_flat and face_sizes")
    try:
        options = json.loads(str(arrays["options"]))
    except (json.JSONDecodeError, RecursionError):
        raise WireError("the prepare-character options are not a flat JSON object") from None
    if not isinstance(options, dict):
        raise WireError("the prepare-character options must be a JSON object")
    unknown = set(options) - set(PREPARE_OPTION_NAMES)
    if unknown:
        raise WireError(f"unknown prepare-character options {sorted(unknown)}; known: {list(PREPARE_OPTION_NAMES)}")
    landmarks = None
    if "landmark_names" in arrays or "landmark_points" in arrays:
        names, points = arrays.get("landmark_names"), arrays.get("landmark_points")
        if names is None or points is None or points.shape != (len(names), 3) or names.dtype.kind != "U":
            raise WireError("the landmarks must come as landmark_names (n,) text and landmark_points (n, 3) together")
        landmarks = {str(name): np.asarray(point, dtype=np.float64) for name, point in zip(names, points)}
    mesh = {key: arrays[key] for key in ("vertices", "faces_flat", "face_sizes")}
    return options, mesh, landmarks


def encode_prepare_result(meta: dict, landmarks: dict, targets=None, target_names=(), corners=None,
                          barycentric=None) -> bytes:
    """landmarks: name -> (3,) in the character's space; targets: (52, V, 3) offsets from the Basis;
    corners (V, 3) int, barycentric (V, 3): each vertex's place on the default head (the correspondence)."""
    arrays = {"meta": np.array(json.dumps(meta)), "landmark_names": np.array(list(landmarks), dtype=str),
              "landmark_points": np.array([np.asarray(p, dtype=np.float64).reshape(3) for p in landmarks.values()])}
    if targets is not None:
        arrays["targets"] = np.asarray(targets, dtype=np.float32)
        arrays["target_names"] = np.array(list(target_names), dtype=str)
        arrays["correspondence_corners"] = np.asarray(corners, dtype=np.int32)
        arrays["correspondence_barycentric"] = np.asarray(barycentric, dtype=np.float32)
    return _npz_bytes(arrays)


def decode_prepare_result(data: bytes) -> dict:
    """meta parsed; landmarks as {name: (3,)}; target_names as a list when the result has targets."""
    arrays = _load_npz(data, "prepare-character result", PREPARE_RESULT_KEYS)
    missing = [key for key in ("meta", "landmark_names", "landmark_points") if key not in arrays]
    if missing:
        raise WireError(f"the prepare-character result lacks {missing}")
    result = dict(arrays)
    result["meta"] = json.loads(str(arrays["meta"]))
    result["landmarks"] = {str(n): p for n, p in zip(arrays["landmark_names"], arrays["landmark_points"])}
    if "target_names" in arrays:
        result["target_names"] = [str(n) for n in arrays["target_names"]]
    return result
