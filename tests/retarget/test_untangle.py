"""A key that turns over triangles the template's own key keeps upright is smoothed there, and only there;
a fold the template's key makes itself is left as it is."""

import numpy as np

from lipwright.retarget.correspondence import Correspondence
from lipwright.retarget.untangle import untangle_targets

SIZE = 9  # a flat 9 x 9 grid of vertices, 1 cm apart


def grid() -> tuple[np.ndarray, np.ndarray]:
    x, y = np.meshgrid(np.arange(SIZE) * 0.01, np.arange(SIZE) * 0.01)
    vertices = np.column_stack([x.ravel(), y.ravel(), np.zeros(SIZE * SIZE)])
    index = np.arange(SIZE * SIZE).reshape(SIZE, SIZE)
    a, b, c, d = index[:-1, :-1].ravel(), index[:-1, 1:].ravel(), index[1:, :-1].ravel(), index[1:, 1:].ravel()
    return vertices, np.concatenate([np.column_stack([a, b, d]), np.column_stack([a, d, c])])


def identity_correspondence(triangles: np.ndarray, count: int) -> Correspondence:
    """Each vertex placed on its own template vertex (the character is the template)."""
    triangle = np.array([np.flatnonzero((triangles == v).any(axis=1))[0] for v in range(count)])
    corners = triangles[triangle]
    barycentric = (corners == np.arange(count)[:, None]).astype(np.float32)
    return Correspondence(triangle=triangle.astype(np.int32), corners=corners.astype(np.int32),
                          barycentric=barycentric, distance=np.zeros(count, dtype=np.float32),
                          frames=np.tile(np.eye(3, dtype=np.float32), (count, 1, 1)), template_vertex_count=count)


def folds(vertices, triangles, offsets) -> int:
    def normals(points):
        corners = points[triangles]
        return np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    return int((np.einsum("td,td->t", normals(vertices), normals(vertices + offsets)) <= 0).sum())


def test_a_fold_the_template_does_not_make_is_smoothed_away_and_the_rest_kept():
    vertices, triangles = grid()
    template_key = np.tile([0.0, 0.0, 0.02], (len(vertices), 1))  # the whole patch lifts 2 cm
    character_key = template_key.copy()
    centre = (SIZE // 2) * SIZE + SIZE // 2
    character_key[centre] += [0.017, 0.0, 0.0]  # pushed past its neighbour: its triangles turn over
    assert folds(vertices, triangles, character_key) > 0 and folds(vertices, triangles, template_key) == 0

    untangled = untangle_targets(character_key[None], [0], vertices, triangles, 1.0,
                                 identity_correspondence(triangles, len(vertices)), vertices, template_key[None])[0]
    for weight in (0.3, 0.6, 1.0):
        assert folds(vertices, triangles, weight * untangled) == 0
    far = np.linalg.norm(vertices - vertices[centre], axis=1) > 0.035
    np.testing.assert_allclose(untangled[far], character_key[far], atol=1e-7)
    assert abs(untangled[:, 2].mean() - 0.02) < 1e-3  # the lift itself is kept


def test_a_fold_the_template_makes_itself_is_left_and_keys_not_asked_for_are_untouched():
    vertices, triangles = grid()
    key = np.tile([0.0, 0.0, 0.02], (len(vertices), 1))
    key[(SIZE // 2) * SIZE + SIZE // 2] += [0.017, 0.0, 0.0]
    correspondence = identity_correspondence(triangles, len(vertices))
    both = np.stack([key, key])
    untangled = untangle_targets(both, [0], vertices, triangles, 1.0, correspondence, vertices, both)
    np.testing.assert_array_equal(untangled, both.astype(np.float32))
    smoothed_second_only = untangle_targets(both, [1], vertices, triangles, 1.0, correspondence, vertices,
                                            np.zeros_like(both))
    np.testing.assert_array_equal(smoothed_second_only[0], key.astype(np.float32))
    assert folds(vertices, triangles, smoothed_second_only[1]) == 0
