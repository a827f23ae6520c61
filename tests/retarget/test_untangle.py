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


def test_a_fold_where_the_character_lies_off_the_template_is_the_characters_own_and_smoothed():
    """The template's key folds the same triangles, but the character's vertex lies 2 mm off the fitted template
    (over ON_HEAD_M): the template's motion there says nothing of the head's folds, and the fold is smoothed;
    half a millimetre off (a remeshed head's chords sag as far) it is the template's and kept."""
    vertices, triangles = grid()
    centre = (SIZE // 2) * SIZE + SIZE // 2
    key = np.tile([0.0, 0.0, 0.02], (len(vertices), 1))
    key[centre] += [0.017, 0.0, 0.0]
    correspondence = identity_correspondence(triangles, len(vertices))
    for lift, smoothed in ((0.0005, False), (0.002, True)):
        off_surface = np.zeros_like(vertices)
        off_surface[centre, 2] = lift
        untangled = untangle_targets(key[None], [0], vertices, triangles, 1.0, correspondence, vertices - off_surface,
                                     key[None], off_surface)[0]
        if smoothed:
            assert folds(vertices, triangles, key) > 0 and folds(vertices, triangles, untangled) == 0
        else:
            np.testing.assert_array_equal(untangled, key.astype(np.float32))


def test_a_vertex_off_the_templates_surface_is_put_back_as_far_off():
    """A character vertex a little off the template's surface (a remeshed vertex, 0.6 mm on a grid 0.5 mm
    apart): the triangle turns over with the template's key only as the character has it, not as it would
    lying on the template, so the fold is the template's and is kept."""
    vertices, triangles = grid()
    vertices *= 0.05
    centre = (SIZE // 2) * SIZE + SIZE // 2
    key = np.tile([0.0, 0.0, 0.02], (len(vertices), 1))
    key[centre] += [0.0, 0.0, -0.03]  # the centre sinks under its neighbours
    key *= 0.05
    lifted = vertices.copy()
    lifted[centre, 2] += 0.0006  # the character's centre sits above the template's surface
    assert folds(lifted, triangles, key) > 0 and folds(vertices, triangles, key) == 0
    off_surface = lifted - vertices
    correspondence = identity_correspondence(triangles, len(vertices))
    kept = untangle_targets(key[None], [0], lifted, triangles, 1.0, correspondence, vertices, key[None], off_surface)
    np.testing.assert_array_equal(kept[0], key.astype(np.float32))


def test_vertices_a_key_presses_onto_a_still_surface_are_held_while_a_fold_beside_them_is_smoothed():
    """Two sheets 4 mm apart face each other (lips); the key presses one side of the upper sheet to 0.5 mm off
    the lower one, which it leaves still, and pushes the vertex beside them over its neighbour (a fold the
    template's key does not make). The fold is smoothed away; the pressed vertices keep their offsets exactly,
    so the lips still meet where the template's meet (before, a contact with a vertex the key leaves still was
    not seen, and smoothing lifted the pressed side by 1 mm)."""
    lower, triangles = grid()
    vertices = np.concatenate([lower, lower + [0.0, 0.0, 0.004]])
    triangles = np.concatenate([triangles, triangles[:, ::-1] + len(lower)])  # the upper sheet faces down
    column = np.tile(np.arange(SIZE), SIZE)
    pressed = len(lower) + np.flatnonzero(column > SIZE // 2)
    template_key = np.zeros_like(vertices)
    template_key[pressed, 2] = -0.0035
    key = template_key.copy()
    key[len(lower) + (SIZE // 2) * SIZE + SIZE // 2] += [0.012, 0.0, 0.0]
    assert folds(vertices, triangles, key) > 0 and folds(vertices, triangles, template_key) == 0
    untangled = untangle_targets(key[None], [0], vertices, triangles, 1.0,
                                 identity_correspondence(triangles, len(vertices)), vertices, template_key[None])[0]
    assert folds(vertices, triangles, untangled) == 0
    np.testing.assert_array_equal(untangled[pressed], key[pressed].astype(np.float32))
