"""The backend's half of the prepare-character wire format: a character mesh (and landmarks, and its separate
teeth, tongue and eye meshes) in, landmarks, 52 ARKit shape-key offsets (the parts' too), the correspondence
and the fit report out, all as npz bytes.

The add-on's twin is `blender_addon/prepare_wire.py`; `tests/test_prepare_wire_agreement.py` checks they match.
"""

import json

import numpy as np

from .geometry.validate import MAX_CORNERS_PER_VERTEX
from .wire import MAX_OPTIONS_BYTES, WireError, _load_npz, _npz_bytes

PREPARE_REQUEST_KEYS = ("options", "vertices", "faces_flat", "face_sizes", "landmark_names", "landmark_points",
                        "part_vertices", "part_faces_flat", "part_face_sizes", "part_counts")
PREPARE_RESULT_KEYS = ("meta", "landmark_names", "landmark_points", "targets", "target_names",
                       "correspondence_corners", "correspondence_barycentric", "correspondence",
                       "part_targets", "part_vertex_counts")
# Separate part meshes (teeth, tongue, eyes) travel end to end: part_vertices (sum V, 3), part_faces_flat and
# part_face_sizes (indices local to each part), part_counts (parts, 3): each part's vertices, faces and loops.
PART_KEYS = ("part_vertices", "part_faces_flat", "part_face_sizes", "part_counts")
MAX_PARTS = 16
# "step": "landmarks" finds them (quick); "fit" fits with the given landmarks and makes the shape keys.
PREPARE_OPTION_NAMES = ("step", "use_detector", "part_names")
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
            "landmark_points": 3 * 8 * MAX_LANDMARKS, "part_vertices": 3 * 8 * max_vertices,
            "part_faces_flat": 8 * corners, "part_face_sizes": 8 * corners, "part_counts": 3 * 8 * MAX_PARTS}


def encode_prepare_request(options: dict, vertices, faces_flat, face_sizes, landmarks: dict | None = None,
                           parts=()) -> bytes:
    """vertices: (V, 3) the character's Basis in object space; landmarks: name -> (3,) point (for "fit");
    parts: (vertices, faces_flat, face_sizes) of each separate teeth, tongue or eye mesh, in the same space."""
    arrays = {"options": np.array(json.dumps(options)), "vertices": np.asarray(vertices, dtype=np.float32),
              "faces_flat": np.asarray(faces_flat, dtype=np.int32),
              "face_sizes": np.asarray(face_sizes, dtype=np.int32)}
    if landmarks:
        arrays["landmark_names"] = np.array(list(landmarks), dtype=str)
        arrays["landmark_points"] = np.array([np.asarray(p, dtype=np.float64).reshape(3) for p in landmarks.values()])
    if parts:
        arrays.update(_joined_parts(parts))
    return _npz_bytes(arrays)


def _joined_parts(parts) -> dict:
    parts = [(np.asarray(v, dtype=np.float32).reshape(-1, 3), np.asarray(f, dtype=np.int32).reshape(-1),
              np.asarray(s, dtype=np.int32).reshape(-1)) for v, f, s in parts]
    return {"part_vertices": np.concatenate([v for v, _, _ in parts]),
            "part_faces_flat": np.concatenate([f for _, f, _ in parts]),
            "part_face_sizes": np.concatenate([s for _, _, s in parts]),
            "part_counts": np.array([(len(v), len(s), len(f)) for v, f, s in parts], dtype=np.int64)}


def _split_parts(arrays: dict) -> list[dict]:
    """Each separate part's mesh arrays; WireError when the members disagree."""
    present = [key for key in PART_KEYS if key in arrays]
    if not present:
        return []
    counts = arrays.get("part_counts")
    if len(present) != len(PART_KEYS) or counts.ndim != 2 or counts.shape[1] != 3 or len(counts) > MAX_PARTS \
            or (counts < 0).any():
        raise WireError(f"the separate parts must come as {list(PART_KEYS)} together, with part_counts of shape "
                        f"(n <= {MAX_PARTS}, 3)")
    totals = counts.sum(axis=0)
    if (totals[0], totals[1], totals[2]) != (len(arrays["part_vertices"]), len(arrays["part_face_sizes"]),
                                            len(arrays["part_faces_flat"])):
        raise WireError("part_counts does not add up to the parts' vertices, faces and loops")
    starts = np.vstack([np.zeros((1, 3), np.int64), np.cumsum(counts, axis=0)])
    return [{"vertices": arrays["part_vertices"][starts[i, 0]:starts[i + 1, 0]],
             "face_sizes": arrays["part_face_sizes"][starts[i, 1]:starts[i + 1, 1]],
             "faces_flat": arrays["part_faces_flat"][starts[i, 2]:starts[i + 1, 2]]} for i in range(len(counts))]


def decode_prepare_request(data: bytes, max_vertices: int) -> tuple[dict, dict, dict | None, list[dict]]:
    """(options, mesh arrays, landmarks name -> (3,) or None, each separate part's mesh arrays);
    WireError naming the bad part."""
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
    return options, mesh, landmarks, _split_parts(arrays)


def encode_prepare_result(meta: dict, landmarks: dict, targets=None, target_names=(), corners=None,
                          barycentric=None, correspondence: bytes = b"", part_targets=()) -> bytes:
    """landmarks: name -> (3,) in the character's space; targets: (52, V, 3) offsets from the Basis;
    corners (V, 3) int, barycentric (V, 3): each vertex's place on the default head; correspondence: the
    whole correspondence as retarget.correspondence's npz bytes (what carries a model's vertex offsets);
    part_targets: (52, V_i, 3) offsets of each separate part, in the request's order."""
    arrays = {"meta": np.array(json.dumps(meta)), "landmark_names": np.array(list(landmarks), dtype=str),
              "landmark_points": np.array([np.asarray(p, dtype=np.float64).reshape(3) for p in landmarks.values()])}
    if targets is not None:
        arrays["targets"] = np.asarray(targets, dtype=np.float32)
        arrays["target_names"] = np.array(list(target_names), dtype=str)
        arrays["correspondence_corners"] = np.asarray(corners, dtype=np.int32)
        arrays["correspondence_barycentric"] = np.asarray(barycentric, dtype=np.float32)
    if correspondence:
        arrays["correspondence"] = np.frombuffer(correspondence, dtype=np.uint8)
    if len(part_targets):
        arrays["part_targets"] = np.concatenate([np.asarray(t, dtype=np.float32) for t in part_targets], axis=1)
        arrays["part_vertex_counts"] = np.array([np.shape(t)[1] for t in part_targets], dtype=np.int64)
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
    result["part_targets"] = _split_part_targets(arrays)
    return result


def _split_part_targets(arrays: dict) -> list:
    """Each separate part's (52, V_i, 3) offsets, in the request's order ([] when none were sent)."""
    if "part_targets" not in arrays:
        return []
    counts = np.asarray(arrays.get("part_vertex_counts", []), dtype=np.int64)
    if counts.ndim != 1 or (counts < 0).any() or int(counts.sum()) != arrays["part_targets"].shape[1]:
        raise WireError("prepare-character result's part_vertex_counts do not match its part_targets")
    return np.split(arrays["part_targets"], np.cumsum(counts)[:-1], axis=1)
