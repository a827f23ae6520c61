"""Writing the default head out: a plain OBJ and the npz the add-on builds its head from."""

import numpy as np

from lipwright.template import load_default_head, write_obj, write_template_npz
from lipwright.geometry.obj_reader import read_obj


def test_obj_round_trip_keeps_counts_and_shape(tmp_path):
    head = load_default_head()
    path = tmp_path / "head.obj"
    write_obj(head.mesh, path)
    again = read_obj(path)
    assert again.vertex_count == head.mesh.vertex_count
    assert np.array_equal(np.sort(again.face_sizes), np.sort(head.mesh.face_sizes))
    assert np.abs(again.vertices - head.mesh.vertices).max() < 1e-5
    # Polygons may be regrouped by size, but each is the same corner list.
    original = {tuple(face) for face in np.split(head.mesh.faces_flat, np.cumsum(head.mesh.face_sizes)[:-1])}
    written = {tuple(face) for face in np.split(again.faces_flat, np.cumsum(again.face_sizes)[:-1])}
    assert original == written


def test_template_npz_has_the_add_on_keys(tmp_path):
    head = load_default_head()
    path = tmp_path / "head.npz"
    write_template_npz(head, path)
    with np.load(path, allow_pickle=False) as stored:
        assert set(stored.files) == {"vertices", "faces_flat", "face_sizes", "targets", "target_names",
                                     "landmark_names", "landmark_index"}
        assert stored["targets"].shape == (52, head.mesh.vertex_count, 3)
        names = [str(n) for n in stored["landmark_names"]]
        assert dict(zip(names, stored["landmark_index"].tolist())) == head.landmark_index
        assert tuple(str(n) for n in stored["target_names"]) == head.target_names
