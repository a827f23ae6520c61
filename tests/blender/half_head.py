"""Writes the left half of the default head's skin, cut at its centre plane (x = 0, where the head's centre
vertices lie), for the add-on's mirrored-half tests (run by the backend's Python: bpy's has no trimesh), placed
as head_character.py places its character, with the head's lip corner landmarks.

Usage: python tests/blender/half_head.py OUT.npz"""

import sys

import numpy as np

from lipwright.template import load_default_head
from tests.retarget.constructions import placed, skin_triangles


def main(out: str) -> None:
    head = load_default_head()
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    triangles = skin_triangles(head)
    triangles = triangles[(rest[triangles, 0] >= 0.0).all(axis=1)]  # the left half, centre vertices included
    used = np.unique(triangles)
    index = np.full(len(rest), -1)
    index[used] = np.arange(len(used))
    origin = (np.repeat(used[:, None], 3, axis=1), np.tile([1.0, 0.0, 0.0], (len(used), 1)))
    # Turned about X (the mirror plane stays x = 0) and ten times larger, as head_character.py's.
    character = placed(head, rest[used], index[triangles], origin, rotation_axis=[1.0, 0.0, 0.0], angle=np.pi / 2,
                       mirror=False, scale=10.0, shift=(0.0, 0.0, 0.0))
    names = ["mouth_corner_left", "mouth_corner_right", "lip_upper_mid", "lip_lower_mid"]
    np.savez(out, vertices=character.mesh.vertices, triangles=character.mesh.faces_flat.reshape(-1, 3),
             landmark_names=np.array(names), landmark_points=np.array([character.landmarks[n] for n in names]))


if __name__ == "__main__":
    main(sys.argv[1])
