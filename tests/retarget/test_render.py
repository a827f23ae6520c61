"""The front-view rasteriser: what each pixel sees, and picture points cast back onto the surface."""

import numpy as np

from lipwright.geometry.mesh import MeshData
from lipwright.retarget.render import render_front, triangulate

from .landmark_meshes import cube


def test_polygons_become_fans_of_triangles():
    quad_and_pentagon = MeshData(np.zeros((9, 3), np.float32), np.arange(9, dtype=np.int32),
                                 np.array([4, 5], dtype=np.int32))
    assert triangulate(quad_and_pentagon).tolist() == [[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7], [4, 7, 8]]


def test_a_point_on_a_square_casts_back_to_itself():
    # A 2 x 1 rectangle standing in the XZ plane at Y = 0.5, facing the camera.
    vertices = np.array([[-1.0, 0.5, 0.0], [1.0, 0.5, 0.0], [1.0, 0.5, 1.0], [-1.0, 0.5, 1.0]])
    square = MeshData(vertices.astype(np.float32), np.arange(4, dtype=np.int32), np.array([4], dtype=np.int32))
    render = render_front(vertices, triangulate(square), size=64)
    targets = np.array([[0.3, 0.5, 0.6], [-0.77, 0.5, 0.12], [0.95, 0.5, 0.9]])
    points, triangle, barycentric, hit = render.cast(render.to_picture(targets[:, [0, 2]]))
    assert hit.all()
    np.testing.assert_allclose(points, targets, atol=1e-9)
    corners = vertices[triangulate(square)[triangle]]
    np.testing.assert_allclose(np.einsum("nk,nkd->nd", barycentric, corners), targets, atol=1e-9)
    assert np.isinf(render.depth[0, 0])  # the margin shows nothing
    assert render.triangle[0, 0] == -1


def test_the_nearest_face_of_a_cube_is_the_one_seen():
    mesh = cube()
    render = render_front(mesh.vertices, triangulate(mesh), size=50)
    points, _, _, hit = render.cast(render.to_picture(np.array([[0.25, 0.75], [0.8, 0.1]])))
    assert hit.all()
    np.testing.assert_allclose(points, [[0.25, 0.0, 0.75], [0.8, 0.0, 0.1]], atol=1e-9)
    covered = np.isfinite(render.depth)
    np.testing.assert_allclose(render.depth[covered], 0.0, atol=1e-9)
    # Lit from the front, the face toward the camera is bright skin, the margin the dark background.
    assert render.image[covered].mean() > render.image[~covered].mean()


def test_a_point_off_the_silhouette_takes_the_nearest_surface_or_none():
    mesh = cube()
    render = render_front(mesh.vertices, triangulate(mesh), size=200)
    just_outside = render.to_picture(np.array([[1.0 + 0.5 * render.pixel_size, 0.5]]))
    points, _, _, hit = render.cast(just_outside)
    assert hit[0] and abs(points[0, 0] - 1.0) < 1e-9
    _, triangle, _, hit = render.cast(np.array([[0.5, 0.5]]))  # the far corner of the margin
    assert not hit[0] and triangle[0] == -1


def test_a_point_in_a_slit_is_cast_onto_its_rim_not_the_wall_behind():
    # Two plates (lips) at Y = 0 with a slit between Z = 0.49 and 0.51, and a wall (the mouth's back) at Y = 1.
    plates = [[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.49], [-1.0, 0.0, 0.49],
              [-1.0, 0.0, 0.51], [1.0, 0.0, 0.51], [1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]]
    wall = [[-1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [-1.0, 1.0, 1.0]]
    vertices = np.array(plates + wall)
    mesh = MeshData(vertices.astype(np.float32), np.arange(12, dtype=np.int32), np.array([4, 4, 4], dtype=np.int32))
    render = render_front(vertices, triangulate(mesh), size=200)
    in_slit = render.to_picture(np.array([[0.3, 0.5], [0.3, 0.2]]))
    assert render.cast(in_slit)[0][0, 1] == 1.0  # the plain cast sees the wall through the slit
    points, _, _, hit = render.cast_on_outer_face(in_slit, head_width=2.0)
    assert hit.all()
    np.testing.assert_allclose(points[:, 1], 0.0, atol=1e-9)  # on the plates
    assert abs(points[0, 2] - 0.5) < 0.01 + render.pixel_size and abs(points[0, 0] - 0.3) < render.pixel_size
    np.testing.assert_allclose(points[1], [0.3, 0.0, 0.2], atol=1e-9)  # a point on a plate stays where it is
