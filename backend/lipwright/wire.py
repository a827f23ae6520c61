"""The backend's half of the wire format: job requests and results as npz bytes.

The add-on's twin is `blender_addon/wire.py`; `tests/test_wire_agreement.py` checks they match.
npz keeps arrays exact and is read with `allow_pickle=False`, so nothing on the wire runs code.
"""

import io
import json
import zipfile
from typing import BinaryIO

import numpy as np

from .geometry.validate import MAX_CORNERS_PER_VERTEX

API_VERSION = "v1"
API_PREFIX = "/" + API_VERSION
TOKEN_HEADER = "X-Lipwright-Token"
READY_PREFIX = "LIPWRIGHT READY "  # the serve command prints this line, then a JSON object

REQUEST_KEYS = ("audio", "options", "vertices", "faces_flat", "face_sizes", "correspondence")
# "correspondence": a prepared character's place on the default head (retarget.correspondence's npz bytes,
# sent beside its mesh): the model's motion on the default head is carried over to the character through it.
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
MIB = 1024 * 1024
DEFAULT_MAX_REQUEST_BYTES = 256 * MIB
MAX_OPTIONS_BYTES = 1 * MIB  # a 5,000-character transcript is 20 kB as a numpy unicode string
REQUIRED_LANDMARKS = ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right", "chin")


class WireError(ValueError):
    """Bytes that are not a valid request or result; the message says which part."""


def _npz_bytes(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _load_npz(data: bytes, what: str, allowed: tuple[str, ...] | None = None,
              max_bytes: dict[str, int] | None = None) -> dict:
    """Reads the npz members; with `allowed`, any other member is refused, and each member's declared sizes
    (the zip entry's and its .npy header's) are checked against `max_bytes` BEFORE it is inflated, so a
    small archive cannot unpack into gigabytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise WireError(f"the {what} is not a readable npz archive ({error})") from None
    arrays = {}
    with archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            if allowed is not None and (key not in allowed or not info.filename.endswith(".npy")):
                raise WireError(f"the {what} has an unknown part '{info.filename}'; it may hold only "
                                f"{', '.join(allowed)}")
            limit = None if max_bytes is None else max_bytes.get(key)
            arrays[key] = _read_member(archive, info, what, limit)
    return arrays


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str, limit: int | None) -> np.ndarray:
    key = info.filename.removesuffix(".npy")
    if limit is not None and info.file_size > limit + 4096:  # + room for the .npy header
        raise WireError(f"the {what}'s '{key}' unpacks to {info.file_size / MIB:.1f} MiB, more than the "
                        f"limit of {limit / MIB:.1f} MiB: send shorter audio or a smaller mesh")
    try:
        with archive.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version not in HEADER_READERS:
                raise ValueError(f".npy format version {version} is not supported")
            shape, fortran_order, dtype = HEADER_READERS[version](member)
            if dtype.hasobject:
                raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
            size = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if limit is not None and size > limit:
                raise WireError(f"the {what}'s '{key}' holds {size / MIB:.1f} MiB, more than the limit of "
                                f"{limit / MIB:.1f} MiB: send shorter audio or a smaller mesh")
            count = int(np.prod(shape, dtype=object))
            array = np.frombuffer(_read_exactly(member, size), dtype=dtype, count=count) if size else \
                np.zeros(shape, dtype=dtype)
            array = array.reshape(shape[::-1]).transpose() if fortran_order else array.reshape(shape)
            return array.copy() if not array.flags.writeable else array
    except WireError:
        raise
    except Exception as error:  # zipfile, pickle refusal and numpy errors all mean the same here
        raise WireError(f"the {what} is not a readable npz archive ({error})") from None


def _read_exactly(member, size: int) -> bytes:
    data = member.read(size)
    if len(data) != size:
        raise ValueError(f"a member ends after {len(data)} of its {size} bytes")
    return data


def encode_request(audio: bytes, options: dict, vertices=None, faces_flat=None, face_sizes=None,
                   correspondence: bytes | None = None) -> bytes:
    """audio: the sound file's bytes as they are (wav, flac, ogg...); vertices: (V, 3); correspondence: the
    mesh's stored place on the default head, for a prepared character."""
    arrays = {"audio": np.frombuffer(audio, dtype=np.uint8), "options": np.array(json.dumps(options))}
    if vertices is not None:
        arrays["vertices"] = np.asarray(vertices, dtype=np.float32)
        arrays["faces_flat"] = np.asarray(faces_flat, dtype=np.int32)
        arrays["face_sizes"] = np.asarray(face_sizes, dtype=np.int32)
    if correspondence:
        arrays["correspondence"] = np.frombuffer(correspondence, dtype=np.uint8)
    return _npz_bytes(arrays)


# A correspondence's bytes per character vertex (triangle, corners, weights, distance, a 3x3 frame) and its
# archive's own.
CORRESPONDENCE_BYTES_PER_VERTEX = 4 * (1 + 3 + 3 + 1 + 9)
CORRESPONDENCE_OVERHEAD_BYTES = 64 * 1024


def request_limits(max_bytes: int = DEFAULT_MAX_REQUEST_BYTES, max_vertices: int = 500_000) -> dict[str, int]:
    """The most bytes each request member may unpack to."""
    corners = MAX_CORNERS_PER_VERTEX * max_vertices
    return {"audio": max_bytes, "options": MAX_OPTIONS_BYTES, "vertices": 3 * 8 * max_vertices,
            "faces_flat": 8 * corners, "face_sizes": 8 * corners,
            "correspondence": CORRESPONDENCE_BYTES_PER_VERTEX * max_vertices + CORRESPONDENCE_OVERHEAD_BYTES}


def decode_request(data: bytes, max_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
                   max_vertices: int = 500_000) -> tuple[bytes, dict, dict | None]:
    """Returns (audio bytes, options, mesh arrays or None; with a prepared character's correspondence as
    bytes under "correspondence"). No member may unpack past its limit
    (`request_limits`): the body limit counts compressed bytes, these count what they inflate to."""
    arrays = _load_npz(data, "job request", REQUEST_KEYS, request_limits(max_bytes, max_vertices))
    if "audio" not in arrays or "options" not in arrays:
        raise WireError("the job request lacks 'audio' or 'options'")
    try:
        options = json.loads(str(arrays["options"]))
    except json.JSONDecodeError as error:
        raise WireError(f"the job options are not JSON ({error})") from None
    except RecursionError:
        raise WireError("the job options are nested too deeply: send a flat JSON object of options") from None
    if not isinstance(options, dict):
        raise WireError("the job options must be a JSON object")
    unknown = set(options) - set(OPTION_NAMES)
    if unknown:
        raise WireError(f"unknown job options {sorted(unknown)}; known: {list(OPTION_NAMES)}")
    mesh_keys = ("vertices", "faces_flat", "face_sizes")
    mesh = None
    if any(k in arrays for k in mesh_keys):
        missing = [k for k in mesh_keys if k not in arrays]
        if missing:
            raise WireError(f"the mesh lacks {missing}: send vertices, faces_flat and face_sizes together")
        mesh = {k: arrays[k] for k in mesh_keys}
    if "correspondence" in arrays:
        if mesh is None:
            raise WireError("the request carries a correspondence without the character's mesh: send them together")
        mesh["correspondence"] = arrays["correspondence"].tobytes()
    return arrays["audio"].tobytes(), options, mesh


def write_result(
    file: BinaryIO, offsets, rest, fps: float, landmark_index: dict, meta: dict, weights=None, weight_names=(),
    landmark_tracks=None, landmark_track_names=(), part_weights=None, part_weight_names=(),
) -> None:
    """Writes the result npz into `file` (a binary stream; seekable for a plain zip), offsets streamed chunk
    by chunk, so a long line never exists whole in memory. offsets: a (frames, vertices, 3) array, an
    OffsetFrames (computed while written), or None for a weights-only result."""
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
    if weights is not None:
        arrays["weights"] = np.asarray(weights, dtype=np.float32)
        arrays["weight_names"] = np.array(list(weight_names), dtype=str)
    if landmark_tracks is not None:
        arrays["landmark_tracks"] = np.asarray(landmark_tracks, dtype=np.float32)
        arrays["landmark_track_names"] = np.array(list(landmark_track_names), dtype=str)
    if part_weights is not None:
        arrays["part_weights"] = np.asarray(part_weights, dtype=np.float32)
        arrays["part_weight_names"] = np.array(list(part_weight_names), dtype=str)
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        if offsets is not None:
            _write_streamed(archive, "offsets", offsets)
        for key, array in arrays.items():
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _chunks(offsets, chunk_bytes: int = 32 * MIB):
    """Blocks of frames: OffsetFrames computes its own (duck-typed `chunks`); a plain array is sliced."""
    if hasattr(offsets, "chunks"):
        yield from offsets.chunks(chunk_bytes)
        return
    offsets = np.asarray(offsets)
    rows = max(1, chunk_bytes // max(1, offsets[0].nbytes if len(offsets) else 1))
    for start in range(0, len(offsets), rows):
        yield offsets[start:start + rows]


def _write_streamed(archive: zipfile.ZipFile, key: str, offsets) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype("<f4")), "fortran_order": False,
              "shape": tuple(int(n) for n in offsets.shape)}
    with archive.open(key + ".npy", "w", force_zip64=True) as member:
        np.lib.format.write_array_header_1_0(member, header)
        for chunk in _chunks(offsets):
            member.write(memoryview(np.ascontiguousarray(chunk, dtype="<f4")).cast("B"))


def encode_result(
    offsets, rest, fps: float, landmark_index: dict, meta: dict, weights=None, weight_names=(),
) -> bytes:
    """The result as bytes (see write_result); offsets may be None for a weights-only result."""
    buffer = io.BytesIO()
    write_result(buffer, offsets, rest, fps, landmark_index, meta, weights=weights, weight_names=weight_names)
    return buffer.getvalue()


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
    if "landmark_track_names" in arrays:
        result["landmark_track_names"] = [str(n) for n in arrays["landmark_track_names"]]
    if "part_weight_names" in arrays:
        result["part_weight_names"] = [str(n) for n in arrays["part_weight_names"]]
    return result
