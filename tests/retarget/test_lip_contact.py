"""The lip landmarks seen from the front move to where the lips meet, as the default head's own landmarks are."""

import numpy as np
import pytest

from lipwright.retarget.lip_contact import lip_contact_points, mouth_corner_on_path
from tests.retarget.auto_truth_cases import full_skin


def test_the_lower_lips_front_moves_to_its_crest_under_the_upper_lip(head):
    vertices, triangles, _ = full_skin(head)
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    upper, lower = (rest[head.landmark_index[name]] for name in ("lip_upper_mid", "lip_lower_mid"))
    # Where a front view sees the lips (the old guess): the upper lip's lowest point shows; the lower lip
    # shows its front 1.3 mm ahead of and 0.5 mm below its crest, tucked under the upper lip.
    seen_lower = lower + np.array([0.0, -0.0013, -0.0005])
    found_upper, found_lower = lip_contact_points(vertices, triangles, upper, seen_lower)
    np.testing.assert_allclose(found_upper, upper, atol=1e-4)
    np.testing.assert_allclose(found_lower, lower, atol=1e-4)


def test_welded_lips_stay_at_their_groove():
    """Lips that share their seam (a closed-mouth sculpt): the walk does not climb the other lip's front."""
    sheet, triangles, groove = _welded_lips()
    seen_upper, seen_lower = (groove + [0.0, -0.3 * 0.002, side * 0.002] for side in (1, -1))
    found_upper, found_lower = lip_contact_points(sheet, triangles, seen_upper, seen_lower)
    np.testing.assert_allclose(found_upper, groove, atol=1e-6)
    np.testing.assert_allclose(found_lower, groove, atol=1e-6)


@pytest.mark.parametrize("side", [1, -1])
def test_a_corner_seen_on_the_lips_front_moves_to_the_commissure(head, side):
    vertices, triangles, _ = full_skin(head)
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    name = "mouth_corner_left" if side > 0 else "mouth_corner_right"
    upper, lower, corner = (rest[head.landmark_index[key]] for key in ("lip_upper_mid", "lip_lower_mid", name))
    width = 2.0 * abs(corner[0])
    # Where the old guess put it on a head tilted a tenth of a degree: on the lips' front, 3 mm ahead.
    seen = corner + np.array([-side * 0.0007, -0.003, 0.0005])
    found = mouth_corner_on_path(vertices, triangles, upper, lower, seen, width, side)
    # A vertex next to the head's own (its path runs on quads; this one on triangles, diagonals included).
    assert np.linalg.norm(found - corner) < 0.02 * width


def test_welded_lips_keep_the_corner_seen():
    """No slit: the shortest path between the lip midpoints crosses the seam on the midline, no corner."""
    sheet, triangles, upper = _welded_lips()
    seen = np.array([0.025, upper[1], upper[2]])
    found = mouth_corner_on_path(sheet, triangles, upper + [0, 0, 0.001], upper - [0, 0, 0.001], seen, 0.05, 1)
    np.testing.assert_allclose(found, seen)


def _welded_lips(seam=np.array([0.0, -0.1553, 0.0818])):
    """The lips' fronts as one V-shaped sheet in profile, 1 cm up and down from `seam`, a head wide:
    (vertices, triangles, the seam's midpoint)."""
    heights = np.linspace(-0.01, 0.01, 21)
    across = np.linspace(-0.08, 0.08, 160)  # 1 mm apart, none on the midline: the section cuts the quads
    z, x = np.meshgrid(heights, across, indexing="ij")
    sheet = np.stack([x, seam[1] - 0.3 * np.abs(z), seam[2] + z], axis=-1).reshape(-1, 3)
    rows, columns = z.shape
    quads = np.array([[r * columns + c, r * columns + c + 1, (r + 1) * columns + c + 1, (r + 1) * columns + c]
                      for r in range(rows - 1) for c in range(columns - 1)])
    return sheet, np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]), np.array([0.0, seam[1], seam[2]])
