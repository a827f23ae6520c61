"""The add-on's and the backend's halves of the prepare-character wire format must agree."""

import numpy as np
import pytest

from lipwright import prepare_wire as backend_wire
from tests.blender_addon.conftest import pure_module  # the add-on's numpy-only modules, without Blender

addon_wire = pure_module("prepare_wire")


@pytest.mark.parametrize("name", ["PREPARE_REQUEST_KEYS", "PREPARE_RESULT_KEYS", "PREPARE_OPTION_NAMES", "PREPARE_STEPS"])
def test_constants_match(name):
    assert getattr(addon_wire, name) == getattr(backend_wire, name)


def test_both_sides_know_the_same_vertex_limit():
    from lipwright.retarget.inputs import MAX_CHARACTER_VERTICES

    assert addon_wire.MAX_CHARACTER_VERTICES == MAX_CHARACTER_VERTICES


def test_addon_request_decodes_in_backend():
    rng = np.random.default_rng(0)
    vertices = rng.normal(size=(7, 3)).astype(np.float32)
    faces_flat, face_sizes = np.array([0, 1, 2, 3, 4, 5, 6], np.int32), np.array([3, 4], np.int32)
    landmarks = {"chin": [1.0, 2.0, 3.0], "lip_upper_mid": np.array([0.5, 0.25, -1.0])}
    teeth = (rng.normal(size=(4, 3)), [0, 1, 2, 1, 3, 2], [3, 3])
    eye = (rng.normal(size=(5, 3)), [0, 1, 2, 3, 4], [5])
    options = {"step": "fit", "part_names": ["Teeth", "Eyes"]}
    data = addon_wire.encode_prepare_request(options, vertices, faces_flat, face_sizes, landmarks, [teeth, eye])
    options, mesh, decoded, parts = backend_wire.decode_prepare_request(data, max_vertices=100)
    assert options == {"step": "fit", "part_names": ["Teeth", "Eyes"]}
    assert len(parts) == 2
    for sent, got in zip((teeth, eye), parts):
        np.testing.assert_allclose(got["vertices"], sent[0], rtol=1e-6)
        assert got["faces_flat"].tolist() == sent[1] and got["face_sizes"].tolist() == sent[2]
    np.testing.assert_array_equal(mesh["vertices"], vertices)
    np.testing.assert_array_equal(mesh["faces_flat"], faces_flat)
    assert list(decoded) == ["chin", "lip_upper_mid"]
    np.testing.assert_array_equal(decoded["lip_upper_mid"], [0.5, 0.25, -1.0])


def test_backend_result_decodes_in_addon():
    rng = np.random.default_rng(1)
    targets = rng.normal(size=(52, 7, 3)).astype(np.float32)
    corners = rng.integers(0, 100, size=(7, 3))
    barycentric = rng.uniform(size=(7, 3)).astype(np.float32)
    landmarks = {"chin": np.array([1.0, 2.0, 3.0])}
    part_targets = [rng.normal(size=(52, 4, 3)), rng.normal(size=(52, 5, 3))]
    data = backend_wire.encode_prepare_result({"step": "fit", "report": {"poor_areas": ["nose"]}}, landmarks, targets,
                                              [f"k{i}" for i in range(52)], corners, barycentric, b"PK\0npz",
                                              part_targets)
    result = addon_wire.decode_prepare_result(data)
    assert result["correspondence"].tobytes() == b"PK\0npz"
    assert [t.shape for t in result["part_targets"]] == [(52, 4, 3), (52, 5, 3)]
    np.testing.assert_allclose(result["part_targets"][1], part_targets[1], rtol=1e-6)
    np.testing.assert_array_equal(result["targets"], targets)
    np.testing.assert_array_equal(result["correspondence_corners"], corners)
    assert result["target_names"][51] == "k51"
    assert result["meta"]["report"]["poor_areas"] == ["nose"]
    np.testing.assert_array_equal(result["landmarks"]["chin"], [1.0, 2.0, 3.0])


def test_a_landmarks_result_has_no_targets():
    data = backend_wire.encode_prepare_result({"step": "landmarks"}, {"chin": [0.0, 0.0, 1.0]})
    result = addon_wire.decode_prepare_result(data)
    assert "targets" not in result and result["part_targets"] == []


def test_both_sides_refuse_unknown_options():
    with pytest.raises(addon_wire.WireError, match="unknown prepare-character options"):
        addon_wire.encode_prepare_request({"stpe": "fit"}, np.zeros((3, 3)), [0, 1, 2], [3])
    data = backend_wire.encode_prepare_request({"stpe": "fit"}, np.zeros((3, 3)), [0, 1, 2], [3])
    with pytest.raises(backend_wire.WireError, match="unknown prepare-character options"):
        backend_wire.decode_prepare_request(data, max_vertices=100)


def test_backend_refuses_landmarks_without_points():
    data = backend_wire.encode_prepare_request({"step": "fit"}, np.zeros((3, 3)), [0, 1, 2], [3], {"chin": [0, 0, 1]})
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != "landmark_points.npy":
                target.writestr(info, source.read(info))
    with pytest.raises(backend_wire.WireError, match="landmark_names .* and landmark_points"):
        backend_wire.decode_prepare_request(buffer.getvalue(), max_vertices=100)


def test_backend_refuses_parts_whose_counts_do_not_add_up():
    part = (np.zeros((3, 3)), [0, 1, 2], [3])
    data = backend_wire.encode_prepare_request({"step": "fit"}, np.zeros((3, 3)), [0, 1, 2], [3], parts=[part])
    import io

    arrays = dict(np.load(io.BytesIO(data)))
    arrays["part_counts"] = np.array([[4, 1, 3]])
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(backend_wire.WireError, match="part_counts does not add up"):
        backend_wire.decode_prepare_request(buffer.getvalue(), max_vertices=100)
