"""Landmarks moved off their feature, as a user's slip or a detector's miss would: along the surface, in a
random direction, by a random share of the mouth width, and back onto the surface."""

from __future__ import annotations

import numpy as np
import trimesh

from lipwright.template.landmarks import LANDMARK_NAMES
from tests.retarget.constructions import ConstructedCharacter, mouth_width

# The shares of the mouth width a landmark is moved by.
MOVE_SHARES = (0.25, 0.40)


def moved_landmark(character: ConstructedCharacter, name: str, rng: np.random.Generator) -> np.ndarray:
    """A point on the character's surface MOVE_SHARES of its mouth width from the landmark `name`, in a random
    direction across the surface's normal there (redrawn until the point found on the surface lies that far)."""
    mesh = trimesh.Trimesh(np.asarray(character.mesh.vertices, dtype=np.float64),
                           np.asarray(character.mesh.faces_flat).reshape(-1, 3), process=False)
    width = mouth_width(character)
    start = character.landmarks[name]
    _, _, triangle = trimesh.proximity.closest_point(mesh, start[None])
    normal = mesh.face_normals[triangle[0]]
    for _ in range(50):
        direction = rng.normal(size=3)
        direction -= (direction @ normal) * normal
        direction /= np.linalg.norm(direction)
        on_surface, _, _ = trimesh.proximity.closest_point(
            mesh, (start + rng.uniform(*MOVE_SHARES) * width * direction)[None])
        if MOVE_SHARES[0] <= np.linalg.norm(on_surface[0] - start) / width <= MOVE_SHARES[1]:
            return on_surface[0]
    raise AssertionError(f"no point on the surface {MOVE_SHARES} mouth widths from {name}")


def named_landmarks(warnings: tuple[str, ...]) -> list[str]:
    """The landmarks a report's sentences name: by their own name ("chin" only where it names the landmark,
    not the area of the face: in brackets, or as the landmark the fit could not follow)."""
    said = " ".join(warnings)
    return [name for name in LANDMARK_NAMES
            if (name in said if "_" in name else f"({name})" in said or f"follow {name}:" in said)]
