"""The add-on's half of the wire format (numpy and the standard library only).

Twin of `lipwright/wire.py` in the backend; `tests/test_wire_agreement.py` checks they match.
"""

import io
import json

import numpy as np

API_VERSION = "v1"
API_PREFIX = "/" + API_VERSION
TOKEN_HEADER = "X-Lipwright-Token"
READY_PREFIX = "LIPWRIGHT READY "

REQUEST_KEYS = ("audio", "options", "vertices", "faces_flat", "face_sizes", "correspondence")
# "correspondence": a prepared character's place on the default head (bytes the fit gave, sent beside its
# mesh): the backend carries the model's motion on the default head over to the character through it.
RESULT_KEYS = (
    "offsets", "rest", "fps", "weights", "weight_names", "landmark_names", "landmark_index", "meta",
    "landmark_tracks", "landmark_track_names", "part_weights", "part_weight_names",
)
# "part_weights" (frames, U), named by "part_weight_names" (ARKit units such as jawOpen, tongueOut,
# eyeLookInLeft): for a prepared character's vertex motion (Basis Keys), the weights of the units that move its
# separate teeth, tongue and eyes, which follow the face's ARKit keys rather than its vertices; the model's own
# weights when it has them, else estimated from its offsets on the default head (retarget.part_weights).
# "landmark_tracks" (frames, L, 3), named by "landmark_track_names": landmark trajectories from a model
# that predicts them (the landmark-guided model), in its template's frame; they carry no topology.
# ("landmarks" in a decoded result is the rest mesh's name -> vertex index, as before.)
# "offsets": false asks for weights only (a face with ARKit keys needs no per-vertex motion,
# which for a long line is hundreds of megabytes).
OPTION_NAMES = ("model", "fps", "transcript", "seed", "offsets", "recognition", "speaker")


class WireError(ValueError):
    """Bytes that are not a valid result; the message says which part."""


def encode_request(audio: bytes, options: dict, vertices=None, faces_flat=None, face_sizes=None,
                   correspondence: bytes | None = None) -> bytes:
    """audio: the sound file's bytes as they are; vertices: (V, 3) object-space Basis; correspondence: a
    prepared character's stored place on the default head (character_keys.stored_correspondence)."""
    unknown = set(options) - set(OPTION_NAMES)
    if unknown:
        raise WireError(f"unknown job options {sorted(unknown)}")
    arrays = {"audio": np.frombuffer(audio, dtype=np.uint8), "options": np.array(json.dumps(options))}
    if vertices is not None:
        arrays["vertices"] = np.asarray(vertices, dtype=np.float32)
        arrays["faces_flat"] = np.asarray(faces_flat, dtype=np.int32)
        arrays["face_sizes"] = np.asarray(face_sizes, dtype=np.int32)
    if correspondence:
        arrays["correspondence"] = np.frombuffer(correspondence, dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def decode_result(data: bytes) -> dict:
    """The result as a dict of arrays; `meta` parsed, `landmarks` as {name: vertex index}."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except Exception as error:
        raise WireError(f"the backend's result is not a readable npz archive ({error})") from None
    missing = [k for k in ("rest", "fps", "landmark_names", "landmark_index", "meta") if k not in arrays]
    if "offsets" not in arrays and "weights" not in arrays:
        missing.append("offsets")
    if missing:
        raise WireError(f"the backend's result lacks {missing}")
    result = dict(arrays)
    result["fps"] = float(arrays["fps"])
    result["meta"] = json.loads(str(arrays["meta"]))
    result["landmarks"] = {str(n): int(i) for n, i in zip(arrays["landmark_names"], arrays["landmark_index"])}
    if "weight_names" in arrays:
        result["weight_names"] = [str(n) for n in arrays["weight_names"]]
    if "part_weight_names" in arrays:
        result["part_weight_names"] = [str(n) for n in arrays["part_weight_names"]]
    return result
