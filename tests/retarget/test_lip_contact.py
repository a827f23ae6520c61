"""The lip midpoints seen from the front move to where the lips meet, as the default head's own landmarks are."""

import numpy as np

from lipwright.retarget.lip_contact import lip_contact_points
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


def test_welded_lips_stay_at_their_groove(head):
    """Lips that share their seam (a closed-mouth sculpt): the walk does not climb the other lip's front."""
    upper = np.asarray(head.mesh.vertices, dtype=np.float64)[head.landmark_index["lip_upper_mid"]]
    # A plane through the seam, the lips' fronts a groove: a V-shaped sheet in profile, 1 cm up and down.
    heights = np.linspace(-0.01, 0.01, 21)
    across = np.linspace(-0.08, 0.08, 8)  # a head wide, no column on the midline
    z, x = np.meshgrid(heights, across, indexing="ij")
    sheet = np.stack([x, upper[1] - 0.3 * np.abs(z), upper[2] + z], axis=-1).reshape(-1, 3)
    rows, columns = z.shape
    quads = np.array([[r * columns + c, r * columns + c + 1, (r + 1) * columns + c + 1, (r + 1) * columns + c]
                      for r in range(rows - 1) for c in range(columns - 1)])
    sheet_triangles = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    seen_upper, seen_lower = (np.array([0.0, upper[1] - 0.3 * 0.002, upper[2] + side * 0.002]) for side in (1, -1))
    found_upper, found_lower = lip_contact_points(sheet, sheet_triangles, seen_upper, seen_lower)
    groove = np.array([0.0, upper[1], upper[2]])
    np.testing.assert_allclose(found_upper, groove, atol=1e-6)
    np.testing.assert_allclose(found_lower, groove, atol=1e-6)
