"""The correspondence survives a round trip through npz bytes, and damaged bytes are refused clearly."""

import numpy as np
import pytest

from lipwright.errors import MeshError
from lipwright.retarget.correspondence import (Correspondence, closest_points_on_triangles,
                                               correspondence_npz_bytes, find_correspondence, load_correspondence)
from lipwright.retarget.template_regions import template_regions


@pytest.fixture(scope="module")
def identity_correspondence(head):
    """The head's own vertices placed on itself, with identity frames."""
    regions = template_regions(head)
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    frames = np.broadcast_to(np.eye(3), (len(rest), 3, 3))
    skin = head.parts["skin"]
    normals = np.zeros_like(rest)
    corners = rest[regions.triangles]
    face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    for corner in range(3):
        np.add.at(normals, regions.triangles[:, corner], face_normals)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-30)
    return find_correspondence(rest, regions.triangles, rest[skin], normals[skin], frames)


def test_every_vertex_finds_itself_and_the_head_moves_as_it_does(head, identity_correspondence):
    skin = head.parts["skin"]
    assert identity_correspondence.distance.max() < 1e-6
    sampled = identity_correspondence.sample(head.targets.astype(np.float64))
    np.testing.assert_allclose(sampled, head.targets[:, skin], atol=1e-6)


def test_the_closest_point_search_finds_what_trying_every_triangle_finds(head):
    import trimesh
    regions = template_regions(head)
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    points = rest[::97] + np.random.default_rng(1).normal(scale=0.004, size=(len(rest[::97]), 3))
    _, distance, _ = closest_points_on_triangles(rest, regions.triangles, points)
    corners = rest[regions.triangles]
    for point, found in zip(points, distance):
        on_every = trimesh.triangles.closest_point(corners, np.repeat(point[None], len(corners), axis=0))
        assert found == pytest.approx(np.linalg.norm(on_every - point, axis=1).min(), abs=1e-12)


def test_round_trip_through_npz_bytes(identity_correspondence):
    loaded = load_correspondence(correspondence_npz_bytes(identity_correspondence))
    assert isinstance(loaded, Correspondence)
    for field in ("triangle", "corners", "barycentric", "distance", "frames"):
        np.testing.assert_array_equal(getattr(loaded, field), getattr(identity_correspondence, field))
    assert loaded.template_vertex_count == identity_correspondence.template_vertex_count


def test_damaged_bytes_are_refused_with_a_way_out(identity_correspondence):
    data = correspondence_npz_bytes(identity_correspondence)
    with pytest.raises(MeshError, match="prepare it again"):
        load_correspondence(data[: len(data) // 2])
