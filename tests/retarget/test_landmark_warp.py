"""The landmark warp: eyelids placed a few millimetres off shape the eyes' neighbourhood, not the lips."""

import numpy as np

from lipwright.retarget.fit import LOCAL_LANDMARKS
from lipwright.retarget.landmark_warp import thin_plate_warp
from lipwright.retarget.template_regions import landmark_points


def test_eyelids_found_off_leave_the_lips_in_place(head):
    names = list(head.landmark_index)
    points = landmark_points(head, names)
    local = np.array([name in LOCAL_LANDMARKS for name in names])
    # As the detector finds them on an empty eye socket: 3 to 4 mm off, each its own way.
    moved = points.copy()
    moved[local] += np.array([[0.002, 0.0003, -0.002], [-0.0018, 0.003, -0.002], [0.0, 0.0038, 0.0022],
                              [0.0001, 0.0039, 0.0022]])
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    warped = thin_plate_warp(points, moved, rest, local=local)
    np.testing.assert_allclose(warped[[head.landmark_index[name] for name in names]], moved, atol=1e-9)
    lips = np.asarray(head.lip_vertices)
    # A spline through all ten moves the lips by up to 1.5 mm (0.16 mm now; 5% of the lids' miss reaches them).
    assert np.linalg.norm(warped[lips] - rest[lips], axis=1).max() < 0.0002
    assert np.linalg.norm(thin_plate_warp(points, moved, rest)[lips] - rest[lips], axis=1).max() > 0.0005


def test_with_too_few_other_points_every_point_joins_the_spline(head):
    names = ["lip_upper_mid", "mouth_corner_left", "upper_lid_left", "upper_lid_right", "lower_lid_left"]
    points = landmark_points(head, names)
    local = np.array([name in LOCAL_LANDMARKS for name in names])
    shifted = points + np.array([0.01, 0.0, 0.0])
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    np.testing.assert_allclose(thin_plate_warp(points, shifted, rest, local=local), rest + [0.01, 0.0, 0.0],
                               atol=1e-9)
