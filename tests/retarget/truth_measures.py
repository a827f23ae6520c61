"""How closely a prepared construction moves like the default head (issue 10's bar), shared by the truth tests
and benchmarks/measure_auto_truth.py."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lipwright.retarget.template_regions import template_regions

LIP_LANDMARKS = ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")


@dataclass(frozen=True)
class LipTruth:
    """landmark_errors: lip landmark name -> (frames,) error as a share of the mouth width; lip_p99: the 99th
    percentile over every lip vertex and frame; closed_gaps: (frames closed in the source,) the character's lip
    gap there; rest_gap: its lip gap at rest (both shares of the mouth width)."""

    landmark_errors: dict[str, np.ndarray]
    lip_p99: float
    closed_gaps: np.ndarray
    rest_gap: float

    @property
    def worst(self) -> float:
        return max(float(error.max()) for error in self.landmark_errors.values())

    @property
    def closures_kept(self) -> bool:
        return bool((self.closed_gaps < self.rest_gap + 0.02).all())


def lip_points(character) -> dict[str, int]:
    """For each lip landmark, the character vertex nearest to where it truly lies on the character."""
    vertices = np.asarray(character.mesh.vertices, dtype=np.float64)
    return {name: int(np.argmin(np.linalg.norm(vertices - character.landmarks[name], axis=1)))
            for name in LIP_LANDMARKS}


def source_closed(head, spoken_weights: np.ndarray) -> np.ndarray:
    """(frames,) whether the head's own lips are shut at each frame of the line."""
    upper, lower = head.landmark_index["lip_upper_mid"], head.landmark_index["lip_lower_mid"]
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    posed = rest[[upper, lower]][None] + np.einsum("fu,uvd->fvd", spoken_weights, head.targets[:, [upper, lower]])
    gap = np.linalg.norm(posed[:, 0] - posed[:, 1], axis=1)
    return gap < np.linalg.norm(rest[upper] - rest[lower]) + 0.01 * template_regions(head).mouth_width


def lip_truth(head, character, targets: np.ndarray, spoken_weights: np.ndarray) -> LipTruth:
    """Compares the character driven through its prepared `targets` (52, Vchar, 3) with the head's own motion
    carried through the construction."""
    truth = character.true_motion(np.einsum("fu,uvd->fvd", spoken_weights, head.targets))
    carried = np.einsum("fu,uvd->fvd", spoken_weights, targets)
    mouth_width = np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"])
    points = lip_points(character)
    errors = {name: np.linalg.norm(carried[:, vertex] - truth[:, vertex], axis=1) / mouth_width
              for name, vertex in points.items()}
    lip_vertices = np.flatnonzero(np.isin(character.origin_corners, head.lip_vertices).all(axis=1))
    p99 = float(np.percentile(np.linalg.norm(carried[:, lip_vertices] - truth[:, lip_vertices], axis=2), 99))
    vertices = np.asarray(character.mesh.vertices, dtype=np.float64)
    pair = [points["lip_upper_mid"], points["lip_lower_mid"]]
    shapes = vertices[pair][None] + carried[:, pair]
    gaps = np.linalg.norm(shapes[:, 0] - shapes[:, 1], axis=1) / mouth_width
    rest_gap = float(np.linalg.norm(vertices[pair[0]] - vertices[pair[1]]) / mouth_width)
    return LipTruth(landmark_errors=errors, lip_p99=p99 / mouth_width,
                    closed_gaps=gaps[source_closed(head, spoken_weights)], rest_gap=rest_gap)
