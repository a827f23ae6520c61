"""Bad requests get a 4xx answer at submit time whose message says what is wrong (a table of cases)."""

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import soundfile

from lipwright import wire

RATE = 16000


def wav(samples: np.ndarray, rate: int = RATE) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def quad_mesh() -> dict:
    return {
        "vertices": np.array([[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], dtype=np.float32),
        "faces_flat": np.array([0, 1, 2, 3], dtype=np.int32),
        "face_sizes": np.array([4], dtype=np.int32),
    }


def request(audio: bytes | None = None, options: dict | None = None, **mesh) -> bytes:
    return wire.encode_request(wav(tone(1.0)) if audio is None else audio, options or {"model": "loudness"}, **mesh)


def flac(channels: int, rate: int, seconds: float) -> bytes:
    """Silence: tiny as FLAC, whatever it declares."""
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros((int(rate * seconds), channels), np.float32), rate, format="FLAC")
    return buffer.getvalue()


def zipped_npz(**arrays) -> bytes:
    """A compressed npz: small on the wire, large once inflated."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def audio_array(seconds: float = 1.0) -> np.ndarray:
    return np.frombuffer(wav(tone(seconds)), np.uint8)


def mesh_with(**changes) -> dict:
    return {**quad_mesh(), **changes}


def raw_npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@dataclass
class Case:
    name: str
    body: Callable[[], bytes]
    status: int
    says: str  # the message must contain this


CASES = [
    # The request itself
    Case("empty body", lambda: b"", 400, "body is empty"),
    Case("not an npz", lambda: b"RIFF....WAVEfmt this is not an npz archive", 400, "not a readable npz"),
    Case("npz without audio", lambda: raw_npz(options=np.array("{}")), 400, "lacks 'audio'"),
    Case("options not JSON", lambda: raw_npz(audio=np.frombuffer(wav(tone(1)), np.uint8), options=np.array("{fps")),
         400, "not JSON"),
    Case("unknown option", lambda: request(options={"model": "loudness", "speed": 2}), 400, "unknown job options"),
    Case("pickled object array", lambda: raw_npz(audio=np.array([object()], dtype=object), options=np.array("{}")),
         400, "not a readable npz"),
    Case("body over the size limit", lambda: request(audio=b"\0" * (5 * 1024 * 1024)), 413, "larger than"),
    Case("size limit said in MiB", lambda: request(audio=b"\0" * (5 * 1024 * 1024)), 413, "limit of 4 MiB"),
    Case("unknown extra member", lambda: raw_npz(audio=audio_array(), options=np.array('{"model": "loudness"}'),
                                                 extra=np.zeros(10, np.uint8)), 400, "unknown part 'extra.npy'"),
    Case("audio member that inflates past the limit", lambda: zipped_npz(
        audio=np.zeros(12 * 1024 * 1024, np.uint8), options=np.array('{"model": "loudness"}')), 400,
        "'audio' unpacks to 12.0 MiB, more than the limit"),
    Case("faces_flat that inflates past the limit", lambda: zipped_npz(
        audio=audio_array(), options=np.array('{"model": "loudness"}'), **mesh_with(
            faces_flat=np.zeros(4_000_000, np.int64), face_sizes=np.array([4_000_000], np.int64))), 400,
        "'faces_flat' unpacks to"),
    Case("options nested too deeply", lambda: raw_npz(audio=audio_array(),
                                                      options=np.array("[" * 100_000 + "]" * 100_000)), 400,
         "nested too deeply"),
    Case("mesh parts without vertices", lambda: raw_npz(
        audio=audio_array(), options=np.array('{"model": "loudness"}'), faces_flat=np.array([0, 1, 2], np.int32),
        face_sizes=np.array([3], np.int32)), 400, "the mesh lacks ['vertices']"),
    # Options
    Case("unknown model", lambda: request(options={"model": "wav2lip-xl"}), 422, "unknown model 'wav2lip-xl'"),
    Case("fps zero", lambda: request(options={"model": "loudness", "fps": 0}), 422, "fps"),
    Case("fps negative", lambda: request(options={"model": "loudness", "fps": -24}), 422, "fps"),
    Case("fps too high", lambda: request(options={"model": "loudness", "fps": 1000}), 422, "fps"),
    Case("fps not a number", lambda: request(options={"model": "loudness", "fps": "fast"}), 422, "fps"),
    Case("transcript too long", lambda: request(options={"model": "loudness", "transcript": "la " * 2000}), 422,
         "transcript"),
    # 15 s at 240 fps on the default head (4,821 vertices): 17 million frame-vertices, the test server allows 12.
    Case("result past the frame-vertex limit", lambda: request(audio=wav(tone(15.0)), options={
        "model": "loudness", "fps": 240}), 422, "3,600 frames × 4,821 vertices"),
    Case("seed not an integer", lambda: request(options={"model": "loudness", "seed": "abc"}), 422, "seed"),
    # Audio
    Case("empty audio", lambda: request(audio=b""), 422, "empty"),
    Case("corrupt audio", lambda: request(audio=b"RIFF\x24\x00\x00\x00WAVEjunkjunkjunk" * 20), 422,
         "could not be decoded"),
    Case("random bytes as audio", lambda: request(audio=bytes(np.random.default_rng(0).integers(0, 256, 4000,
                                                                                             dtype=np.uint8))),
         422, "could not be decoded"),
    Case("silent audio", lambda: request(audio=wav(np.zeros(RATE, dtype=np.float32))), 422, "silent"),
    Case("audio too short", lambda: request(audio=wav(tone(0.02))), 422, "too short"),
    Case("audio too long", lambda: request(audio=wav(tone(25.0))), 422, "more than the limit"),
    # 6 kB of FLAC declaring 8 channels at 655 kHz: 21 MiB once decoded (1.7 GB for 81 s), refused from its header.
    Case("audio with too many samples to decode", lambda: request(audio=flac(8, 655_350, 1.0)), 422,
         "8 channels at 655350 Hz"),
    # Mesh
    Case("mesh with NaN", lambda: request(**mesh_with(vertices=np.array(
        [[0, 0, 0], [1, 0, 0], [np.nan, 0, 1], [0, 0, 1]], dtype=np.float32))), 422, "NaN or infinite"),
    Case("mesh with no faces", lambda: request(**mesh_with(faces_flat=np.zeros(0, np.int32),
                                                           face_sizes=np.zeros(0, np.int32))), 422, "no faces"),
    Case("mesh face index out of range", lambda: request(**mesh_with(faces_flat=np.array([0, 1, 2, 7], np.int32))),
         422, "point at vertices that do not exist"),
    Case("mesh face sizes disagree with faces", lambda: request(**mesh_with(face_sizes=np.array([3], np.int32))),
         422, "add up to"),
    # 4 × 2**62 + 4 wraps round to 4 in int64, which used to match the 4 corners sent.
    Case("mesh face sizes that overflow", lambda: raw_npz(
        audio=audio_array(), options=np.array('{"model": "loudness"}'),
        **mesh_with(face_sizes=np.array([2**62, 2**62, 2**62, 2**62, 4], np.int64))), 422, "claims 4611686018427387904 corners"),
    Case("mesh over the vertex limit", lambda: request(
        vertices=np.zeros((20001, 3), np.float32), faces_flat=np.array([0, 1, 2], np.int32),
        face_sizes=np.array([3], np.int32)), 422, "20,001 vertices, more than the limit"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_request_gets_a_clear_answer(client, case):
    response = client.post("/v1/jobs", content=case.body(), headers={"Content-Type": "application/octet-stream"})
    assert response.headers["content-type"] == "application/json"
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert response.status_code == case.status, detail
    assert case.says in detail, detail
    assert "Traceback" not in detail


def test_bad_requests_queue_nothing(client):
    before = client.get("/v1/health").json()["jobs"]
    client.post("/v1/jobs", content=request(audio=b""))
    assert client.get("/v1/health").json()["jobs"] == before


def test_an_unknown_route_is_a_clear_404(client):
    response = client.get("/v2/jobs")
    assert response.status_code == 404
    assert "/v1" in response.json()["detail"]


def test_a_wrong_method_is_a_clear_405(client):
    response = client.delete("/v1/models")
    assert response.status_code == 405
    assert "DELETE" in response.json()["detail"]
