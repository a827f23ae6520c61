"""The add-on's and the backend's halves of the wire format must agree, byte for byte."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from lipwright import wire as backend_wire

ROOT = Path(__file__).resolve().parents[1]


def _load_addon_wire():
    # The add-on's wire module needs only numpy, so it loads without Blender.
    spec = importlib.util.spec_from_file_location("addon_wire", ROOT / "blender_addon" / "wire.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


addon_wire = _load_addon_wire()


@pytest.mark.parametrize("name", ["API_VERSION", "API_PREFIX", "TOKEN_HEADER", "READY_PREFIX", "REQUEST_KEYS", "RESULT_KEYS", "OPTION_NAMES"])
def test_constants_match(name):
    assert getattr(addon_wire, name) == getattr(backend_wire, name)


def test_addon_request_decodes_in_backend():
    vertices = np.random.default_rng(0).normal(size=(7, 3)).astype(np.float32)
    faces_flat, face_sizes = np.array([0, 1, 2, 3, 4, 5, 6], np.int32), np.array([3, 4], np.int32)
    options = {"model": "phonemes", "fps": 29.97, "transcript": "hello", "seed": 3}
    data = addon_wire.encode_request(b"RIFF-not-really-audio", options, vertices, faces_flat, face_sizes)
    audio, decoded_options, mesh = backend_wire.decode_request(data)
    assert audio == b"RIFF-not-really-audio"
    assert decoded_options == options
    np.testing.assert_array_equal(mesh["vertices"], vertices)
    np.testing.assert_array_equal(mesh["face_sizes"], face_sizes)


def test_a_prepared_characters_correspondence_travels_with_its_mesh():
    vertices = np.zeros((3, 3), np.float32)
    data = addon_wire.encode_request(b"RIFF", {"model": "phonemes"}, vertices, [0, 1, 2], [3], b"PK\0stored fit")
    _, _, mesh = backend_wire.decode_request(data)
    assert mesh["correspondence"] == b"PK\0stored fit"
    assert "correspondence" not in backend_wire.decode_request(addon_wire.encode_request(b"RIFF", {}, vertices,
                                                                                        [0, 1, 2], [3]))[2]


def test_backend_result_decodes_in_addon():
    offsets = np.random.default_rng(1).normal(size=(5, 7, 3)).astype(np.float32)
    rest = np.zeros((7, 3), np.float32)
    weights = np.random.default_rng(2).uniform(size=(5, 52)).astype(np.float32)
    landmarks = {"lip_upper_mid": 1, "lip_lower_mid": 2}
    data = backend_wire.encode_result(offsets, rest, 23.976, landmarks, {"model": "x"}, weights, [f"w{i}" for i in range(52)])
    result = addon_wire.decode_result(data)
    np.testing.assert_array_equal(result["offsets"], offsets)
    np.testing.assert_array_equal(result["weights"], weights)
    assert result["fps"] == pytest.approx(23.976)
    assert result["landmarks"] == landmarks
    assert result["weight_names"][51] == "w51"
    assert result["meta"] == {"model": "x"}


def test_addon_refuses_unknown_options():
    with pytest.raises(addon_wire.WireError, match="unknown job options"):
        addon_wire.encode_request(b"x", {"modle": "phonemes"})


def test_backend_refuses_pickled_payloads():
    import io

    buffer = io.BytesIO()
    np.savez(buffer, audio=np.array([object()], dtype=object), options=np.array(json.dumps({})))
    with pytest.raises(backend_wire.WireError, match="not a readable npz"):
        backend_wire.decode_request(buffer.getvalue())


def test_addon_and_backend_share_the_arkit_order():
    from lipwright.motion.arkit import ARKIT_NAMES

    spec = importlib.util.spec_from_file_location("addon_arkit_names", ROOT / "blender_addon" / "arkit_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert tuple(module.ARKIT_NAMES) == tuple(ARKIT_NAMES)


def test_a_weights_only_result_decodes_in_addon():
    weights = np.random.default_rng(3).uniform(size=(4, 52)).astype(np.float32)
    data = backend_wire.encode_result(None, np.zeros((7, 3)), 30.0, {"chin": 1}, {}, weights, [f"w{i}" for i in range(52)])
    result = addon_wire.decode_result(data)
    assert "offsets" not in result
    np.testing.assert_array_equal(result["weights"], weights)
    with pytest.raises(backend_wire.WireError, match="offsets or weights"):
        backend_wire.encode_result(None, np.zeros((7, 3)), 30.0, {"chin": 1}, {})
