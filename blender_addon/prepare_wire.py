"""The add-on's half of the prepare-character wire format (numpy and the standard library only).

Twin of `lipwright/prepare_wire.py` in the backend; `tests/test_prepare_wire_agreement.py` checks they match.
"""

import io
import json

import numpy as np

from .wire import WireError

PREPARE_REQUEST_KEYS = ("options", "vertices", "faces_flat", "face_sizes", "landmark_names", "landmark_points",
                        "part_vertices", "part_faces_flat", "part_face_sizes", "part_counts")
PREPARE_RESULT_KEYS = ("meta", "landmark_names", "landmark_points", "targets", "target_names",
                       "correspondence_corners", "correspondence_barycentric", "correspondence",
                       "part_targets", "part_vertex_counts")
# Separate part meshes (teeth, tongue, eyes) travel end to end: part_vertices (sum V, 3), part_faces_flat and
# part_face_sizes (indices local to each part), part_counts (parts, 3): each part's vertices, faces and loops.
MAX_PARTS = 16
# "step": "landmarks" finds them (quick); "fit" fits with the given landmarks and makes the shape keys.
PREPARE_OPTION_NAMES = ("step", "use_detector", "part_names")
PREPARE_STEPS = ("landmarks", "fit")
# The backend's limit (lipwright.retarget.inputs): larger meshes are refused before they are sent.
MAX_CHARACTER_VERTICES = 250_000


def encode_prepare_request(options: dict, vertices, faces_flat, face_sizes, landmarks: dict | None = None,
                           parts=()) -> bytes:
    """vertices: (V, 3) the character's Basis in object space; landmarks: name -> (3,) point (for "fit");
    parts: (vertices, faces_flat, face_sizes) of each separate teeth, tongue or eye mesh, in the same space."""
    unknown = set(options) - set(PREPARE_OPTION_NAMES)
    if unknown:
        raise WireError(f"unknown prepare-character options {sorted(unknown)}")
    arrays = {"options": np.array(json.dumps(options)), "vertices": np.asarray(vertices, dtype=np.float32),
              "faces_flat": np.asarray(faces_flat, dtype=np.int32),
              "face_sizes": np.asarray(face_sizes, dtype=np.int32)}
    if landmarks:
        arrays["landmark_names"] = np.array(list(landmarks), dtype=str)
        arrays["landmark_points"] = np.array([np.asarray(p, dtype=np.float64).reshape(3) for p in landmarks.values()])
    if len(parts) > MAX_PARTS:
        raise WireError(f"{len(parts)} separate parts were given; at most {MAX_PARTS} go with one character")
    if parts:
        parts = [(np.asarray(v, dtype=np.float32).reshape(-1, 3), np.asarray(f, dtype=np.int32).reshape(-1),
                  np.asarray(s, dtype=np.int32).reshape(-1)) for v, f, s in parts]
        arrays["part_vertices"] = np.concatenate([v for v, _, _ in parts])
        arrays["part_faces_flat"] = np.concatenate([f for _, f, _ in parts])
        arrays["part_face_sizes"] = np.concatenate([s for _, _, s in parts])
        arrays["part_counts"] = np.array([(len(v), len(s), len(f)) for v, f, s in parts], dtype=np.int64)
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
    result["part_targets"] = _split_part_targets(arrays)
    return result


def _split_part_targets(arrays: dict) -> list:
    """Each separate part's (52, V_i, 3) offsets, in the request's order ([] when none were sent)."""
    if "part_targets" not in arrays:
        return []
    counts = np.asarray(arrays.get("part_vertex_counts", []), dtype=np.int64)
    if counts.ndim != 1 or (counts < 0).any() or int(counts.sum()) != arrays["part_targets"].shape[1]:
        raise WireError("the backend's prepare-character result's part_vertex_counts do not match its part_targets")
    return np.split(arrays["part_targets"], np.cumsum(counts)[:-1], axis=1)
