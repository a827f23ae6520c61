"""The truth-by-construction characters prepared in tests and benchmarks: the default head's skin remeshed,
turned, mirrored and scaled (test_prepare_truth.py's three), a Y-up export, and the head turned a quarter and
a half turn about the vertical."""

from __future__ import annotations

import numpy as np

from tests.retarget.constructions import (decimated_skin, placed, skin_triangles, skin_without_inner_mouth,
                                          subdivided_skin)


def full_skin(head):
    """The head's whole skin, each vertex its own origin."""
    triangles = skin_triangles(head)
    used = np.unique(triangles)
    index = np.full(head.vertex_count, -1)
    index[used] = np.arange(len(used))
    origin = (np.repeat(used[:, None], 3, axis=1), np.tile([1.0, 0.0, 0.0], (len(used), 1)))
    return np.asarray(head.mesh.vertices, dtype=np.float64)[used], index[triangles], origin


# name: (surface, rotation axis, angle, mirror, scale)
CASES = {
    "subdivided-rotated-scaled": (subdivided_skin, [1.0, 2.0, 3.0], 0.7, False, 3.0),
    "decimated-mirrored-rotated-scaled": (lambda head: decimated_skin(head, keep=0.5), [0.0, 1.0, 0.2], 2.5, True,
                                          0.02),
    "no-inner-mouth-rotated": (skin_without_inner_mouth, [0.0, 0.0, 1.0], 1.2, False, 1.0),
    "skin-y-up": (full_skin, [1.0, 0.0, 0.0], np.pi / 2, False, 1.0),
    "skin-turned-90-about-vertical": (full_skin, [0.0, 0.0, 1.0], np.pi / 2, False, 1.0),
    "skin-turned-180-about-vertical": (full_skin, [0.0, 0.0, 1.0], np.pi, False, 1.0),
}


def build(head, name: str):
    surface, axis, angle, mirror, scale = CASES[name]
    return placed(head, *surface(head), rotation_axis=axis, angle=angle, mirror=mirror, scale=scale)


def named_as_seen(character) -> dict[str, np.ndarray]:
    """The head's landmarks on the character, named as they look: a mirrored head's left corner is the head's
    right one."""
    if np.linalg.det(character.linear) > 0:
        return character.landmarks
    swapped = {name: name.replace("left", "@").replace("right", "left").replace("@", "right")
               for name in character.landmarks}
    return {swapped[name]: point for name, point in character.landmarks.items()}
