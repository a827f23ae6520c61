"""Writes a character made from the default head for the add-on's tests (run by the backend's Python:
bpy's has no trimesh): the head's skin decimated to a new topology, its true lip landmarks beside it, the
head's own teeth as one separate mesh placed the same way, and where the head's lip midpoints go for each
ARKit unit (in the character's space): the truth a carried motion is measured against.

Usage: python tests/blender/head_character.py OUT.npz"""

import sys

import numpy as np

from lipwright.template import load_default_head
from tests.retarget.constructions import decimated_skin, parts_mesh, placed


def main(out: str) -> None:
    head = load_default_head()
    vertices, triangles, origin = decimated_skin(head, 0.5)
    # Y-up and ten times larger, as many exports come; the add-on must not care.
    character = placed(head, vertices, triangles, origin, rotation_axis=[1.0, 0.0, 0.0], angle=np.pi / 2,
                       mirror=False, scale=10.0, shift=(0.0, 0.0, 0.0))
    names = sorted(character.landmarks)
    teeth, teeth_triangles, rows = parts_mesh(head, ("upper_teeth", "lower_teeth"), character.linear, character.shift)
    lips = [head.landmark_index["lip_upper_mid"], head.landmark_index["lip_lower_mid"]]
    np.savez(out, vertices=character.mesh.vertices, triangles=character.mesh.faces_flat.reshape(-1, 3),
             landmark_names=np.array(names), landmark_points=np.array([character.landmarks[n] for n in names]),
             teeth_vertices=teeth, teeth_triangles=teeth_triangles, lower_teeth_rows=rows["lower_teeth"],
             upper_teeth_rows=rows["upper_teeth"], lip_targets=np.asarray(head.targets)[:, lips] @ character.linear.T,
             target_names=np.array(head.target_names))


if __name__ == "__main__":
    main(sys.argv[1])
