"""The backend's half of the wire format: job requests and results as npz bytes.

The add-on's twin is `blender_addon/wire.py`; `tests/test_wire_agreement.py` checks they match.
npz keeps arrays exact and is read with `allow_pickle=False`, so nothing on the wire runs code.
"""

import io
import json

import numpy as np

API_VERSION = "v1"
API_PREFIX = "/" + API_VERSION
TOKEN_HEADER = "X-Lipwright-Token"
READY_PREFIX = "LIPWRIGHT READY "  # the serve command prints this line, then a JSON object

REQUEST_KEYS = ("audio", "options", "vertices", "faces_flat", "face_sizes")
RESULT_KEYS = (
    "offsets", "rest", "fps", "weights", "weight_names", "landmark_names", "landmark_index", "meta",
)
# "offsets": false asks for weights only (a face with ARKit keys needs no per-vertex motion,
# which for a long line is hundreds of megabytes).
OPTION_NAMES = ("model", "fps", "transcript", "seed", "offsets", "recognition")
REQUIRED_LANDMARKS = ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right", "chin")


class WireError(ValueError):
    """Bytes that are not a valid request or result; the message says which part."""


def _npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _load_npz(data: bytes, what: str) -> dict:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except Exception as error:  # zipfile, pickle refusal and numpy errors all mean the same here
        raise WireError(f"the {what} is not a readable npz archive ({error})") from None


def encode_request(audio: bytes, options: dict, vertices=None, faces_flat=None, face_sizes=None) -> bytes:
    """audio: the sound file's bytes as they are (wav, flac, ogg...); vertices: (V, 3)."""
    arrays = {"audio": np.frombuffer(audio, dtype=np.uint8), "options": np.array(json.dumps(options))}
    if vertices is not None:
        arrays["vertices"] = np.asarray(vertices, dtype=np.float32)
        arrays["faces_flat"] = np.asarray(faces_flat, dtype=np.int32)
        arrays["face_sizes"] = np.asarray(face_sizes, dtype=np.int32)
    return _npz_bytes(arrays)


def decode_request(data: bytes) -> tuple[bytes, dict, dict | None]:
    """Returns (audio bytes, options, mesh arrays or None)."""
    arrays = _load_npz(data, "job request")
    if "audio" not in arrays or "options" not in arrays:
        raise WireError("the job request lacks 'audio' or 'options'")
    try:
        options = json.loads(str(arrays["options"]))
    except json.JSONDecodeError as error:
        raise WireError(f"the job options are not JSON ({error})") from None
    if not isinstance(options, dict):
        raise WireError("the job options must be a JSON object")
    unknown = set(options) - set(OPTION_NAMES)
    if unknown:
        raise WireError(f"unknown job options {sorted(unknown)}; known: {list(OPTION_NAMES)}")
    mesh = None
    if "vertices" in arrays:
        missing = [k for k in ("faces_flat", "face_sizes") if k not in arrays]
        if missing:
            raise WireError(f"the mesh lacks {missing}")
        mesh = {k: arrays[k] for k in ("vertices", "faces_flat", "face_sizes")}
    return arrays["audio"].tobytes(), options, mesh


def encode_result(
    offsets, rest, fps: float, landmark_index: dict, meta: dict, weights=None, weight_names=(),
) -> bytes:
    """offsets may be None for a weights-only result (the request said "offsets": false)."""
    if offsets is None and weights is None:
        raise WireError("a result needs offsets or weights")
    names = list(landmark_index)
    arrays = {
        "rest": np.asarray(rest, dtype=np.float32),
        "fps": np.array(float(fps)),
        "landmark_names": np.array(names, dtype=str),
        "landmark_index": np.array([landmark_index[n] for n in names], dtype=np.int64),
        "meta": np.array(json.dumps(meta)),
    }
    if offsets is not None:
        arrays["offsets"] = np.asarray(offsets, dtype=np.float32)
    if weights is not None:
        arrays["weights"] = np.asarray(weights, dtype=np.float32)
        arrays["weight_names"] = np.array(list(weight_names), dtype=str)
    return _npz_bytes(arrays)


def result_meta(data: bytes) -> dict:
    """Only the result's `meta`, without loading its (possibly large) arrays."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return json.loads(str(npz["meta"]))
    except Exception as error:
        raise WireError(f"the result has no readable meta ({error})") from None


def decode_result(data: bytes) -> dict:
    """The result as a dict of arrays; `meta` parsed, `landmarks` as {name: vertex index}."""
    arrays = _load_npz(data, "result")
    missing = [k for k in ("rest", "fps", "landmark_names", "landmark_index", "meta") if k not in arrays]
    if "offsets" not in arrays and "weights" not in arrays:
        missing.append("offsets")
    if missing:
        raise WireError(f"the result lacks {missing}")
    result = dict(arrays)
    result["fps"] = float(arrays["fps"])
    result["meta"] = json.loads(str(arrays["meta"]))
    result["landmarks"] = {str(n): int(i) for n, i in zip(arrays["landmark_names"], arrays["landmark_index"])}
    if "weight_names" in arrays:
        result["weight_names"] = [str(n) for n in arrays["weight_names"]]
    return result
