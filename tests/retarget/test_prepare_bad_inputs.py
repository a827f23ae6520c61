"""Meshes and landmarks a character cannot be prepared from get a MeshError that names the problem."""

import numpy as np
import pytest
import trimesh

from lipwright.errors import MeshError
from lipwright.geometry.mesh import MeshData
from lipwright.retarget.inputs import MAX_CHARACTER_VERTICES
from lipwright.retarget.landmarks import find_character_landmarks
from lipwright.retarget.prepare import prepare_character
from lipwright.retarget.template_regions import triangulate
from tests.retarget.landmark_meshes import hand, triangle_soup


def as_mesh(shape: trimesh.Trimesh) -> MeshData:
    return MeshData(vertices=np.asarray(shape.vertices, dtype=np.float32),
                    faces_flat=np.asarray(shape.faces, dtype=np.int32).reshape(-1),
                    face_sizes=np.full(len(shape.faces), 3, dtype=np.int32))


def head_landmarks(head, scale=1.0, shift=(0.0, 0.0, 0.0)):
    vertices = np.asarray(head.mesh.vertices, dtype=np.float64)
    return {name: vertices[index] * scale + np.asarray(shift) for name, index in head.landmark_index.items()}


def test_a_sphere_with_landmarks_far_off_it_has_no_face(head):
    sphere = as_mesh(trimesh.creation.icosphere(subdivisions=3, radius=0.1))
    with pytest.raises(MeshError, match="off the mesh's surface"):
        prepare_character(sphere, head_landmarks(head, shift=(0.0, -1.0, 0.0)))


def test_a_cube_with_landmarks_on_its_corners_is_no_face_layout(head):
    cube = trimesh.creation.box(extents=(0.2, 0.2, 0.2)).subdivide().subdivide().subdivide()
    corners = np.asarray(trimesh.creation.box(extents=(0.2, 0.2, 0.2)).vertices)
    landmarks = {name: corners[i % len(corners)] for i, name in enumerate(head.landmark_index)}
    with pytest.raises(MeshError, match="face's layout"):
        prepare_character(as_mesh(cube), landmarks)


def test_two_million_vertices_are_refused_before_any_work(head):
    huge = MeshData(vertices=np.zeros((2_000_000, 3), dtype=np.float32), faces_flat=np.zeros(0, dtype=np.int32),
                    face_sizes=np.zeros(0, dtype=np.int32))
    # The polygons are missing too; the size is what is reported, since it is checked first.
    with pytest.raises(MeshError, match=f"2,000,000 vertices.*{MAX_CHARACTER_VERTICES:,}.*Decimate"):
        prepare_character(huge, head_landmarks(head))
    with pytest.raises(MeshError, match=f"2,000,000 vertices.*{MAX_CHARACTER_VERTICES:,}.*select only the head"):
        find_character_landmarks(huge)


@pytest.mark.parametrize("soup", [triangle_soup(), triangle_soup(count=6000, shared_vertices=3000)],
                         ids=["loose-triangles", "triangles-sharing-corners"])
def test_a_triangle_soup_is_no_surface_to_look_for_a_face_on(head, soup):
    message = "not a connected surface.*Merge by Distance"
    with pytest.raises(MeshError, match=message):
        find_character_landmarks(soup)
    # With landmarks placed by hand, it is refused the same way, before the fit.
    points = {name: np.asarray(soup.vertices[i], dtype=np.float64) for i, name in enumerate(head.landmark_index)}
    with pytest.raises(MeshError, match=message):
        prepare_character(soup, points)


def test_a_head_made_a_non_manifold_mess_is_refused(head):
    """The default head with three triangles in four given random corners: still one piece, with its own
    vertices and landmarks, but most of its edges no longer join two triangles."""
    triangles = triangulate(head.mesh)
    scrambled = np.ones(len(triangles), dtype=bool)
    scrambled[::4] = False
    triangles[scrambled] = np.random.default_rng(1).integers(0, head.vertex_count, size=(scrambled.sum(), 3))
    mess = MeshData(head.mesh.vertices, triangles.reshape(-1).astype(np.int32), np.full(len(triangles), 3, np.int32))
    with pytest.raises(MeshError, match="non-manifold mess"):
        prepare_character(mess, head_landmarks(head))


def test_a_hand_with_a_faces_landmarks_laid_over_it_is_refused(head):
    """The head's landmarks moved onto the palm's front: a face's layout, but no face's surface under it."""
    palm = hand()
    points = head_landmarks(head)
    centre = np.mean(list(points.values()), axis=0)
    palm_front = np.array([0.0, np.asarray(palm.vertices)[:, 1].min() - 0.02, 0.0])
    with pytest.raises(MeshError, match="off the mesh's surface"):
        prepare_character(palm, {name: point - centre + palm_front for name, point in points.items()})


@pytest.mark.parametrize("landmarks, message", [
    (lambda lm: {k: lm[k] for k in ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")},
     "at least 6"),
    (lambda lm: {k: v for k, v in lm.items() if k != "lip_lower_mid"}, "lack.*lip_lower_mid"),
    (lambda lm: {**lm, "left_ear": np.zeros(3)}, "Unknown landmark names.*left_ear"),
    (lambda lm: {**lm, "chin": np.array([np.nan, 0.0, 0.0])}, "chin.*finite 3D point"),
], ids=["too-few", "no-lower-lip", "unknown-name", "nan-point"])
def test_bad_landmarks_are_named(head, landmarks, message):
    sphere = as_mesh(trimesh.creation.icosphere(subdivisions=2, radius=0.1))
    with pytest.raises(MeshError, match=message):
        prepare_character(sphere, landmarks(head_landmarks(head)))


@pytest.mark.parametrize("mesh, message", [
    (MeshData(np.column_stack([np.random.default_rng(0).random((300, 2)), np.zeros(300)]).astype(np.float32),
              np.array([0, 1, 2] * 10, dtype=np.int32), np.full(10, 3, dtype=np.int32)), "flat"),
    (as_mesh(trimesh.creation.icosphere(subdivisions=0)), "too few"),
    (MeshData(np.full((200, 3), np.nan, dtype=np.float32), np.array([0, 1, 2], dtype=np.int32),
              np.array([3], dtype=np.int32)), "NaN"),
], ids=["flat", "tiny", "nan"])
def test_degenerate_meshes_are_refused(head, mesh, message):
    with pytest.raises(MeshError, match=message):
        prepare_character(mesh, head_landmarks(head))
