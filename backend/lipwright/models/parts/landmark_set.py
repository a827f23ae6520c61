"""The facial landmarks a landmark-guided model predicts, read off a template: named points where the
template has them, then points spread evenly (farthest-point sampling) over its lip region and its
upper face (lids, brows), so any corpus with a template and its two regions has a landmark set.

Positions are the template's own (its frame and units); `scale` (the landmarks' extent) makes the
model's targets the same size on a FLAME head in metres and on any other template."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ModelError

JAW_POINTS = 4
CHEEK_POINTS = 2


@dataclass(frozen=True)
class LandmarkSet:
    names: tuple[str, ...]
    vertices: tuple[int, ...]  # template vertex of each landmark
    rest: np.ndarray  # (landmarks, 3) positions on the template at rest
    scale: float  # the rest landmarks' bounding-box diagonal


def farthest_points(points: np.ndarray, count: int, start: np.ndarray) -> list[int]:
    """Indices of `count` points spread evenly: each the farthest from the points already chosen,
    starting from `start` (points, 3) that are chosen already (their indices are not returned)."""
    if count <= 0 or len(points) == 0:
        return []
    nearest = np.full(len(points), np.inf)
    for seed in np.asarray(start, dtype=np.float64).reshape(-1, 3):
        nearest = np.minimum(nearest, np.linalg.norm(points - seed, axis=1))
    if not np.isfinite(nearest).any():
        nearest = np.linalg.norm(points - points.mean(axis=0), axis=1)
    chosen = []
    for _ in range(min(count, len(points))):
        index = int(np.argmax(nearest))
        chosen.append(index)
        nearest = np.minimum(nearest, np.linalg.norm(points - points[index], axis=1))
    return chosen


def landmark_set(vertices: np.ndarray, named: dict[str, int], regions: dict[str, tuple[np.ndarray, int]]
                 ) -> LandmarkSet:
    """`named` landmarks, then for each region label -> (vertex indices, count) that many points
    spread over the region, named `<label>_<n>`."""
    vertices = np.asarray(vertices, dtype=np.float64)
    names, chosen = list(named), [int(index) for index in named.values()]
    for label, (region, count) in regions.items():
        region = np.asarray([index for index in np.asarray(region, dtype=np.int64) if index not in chosen],
                            dtype=np.int64)
        if count > 0 and len(region) == 0:
            raise ModelError(f"the template has no {label} region to place landmarks on: give the corpus its "
                             "regions/lve.txt (lips) and regions/fdd.txt (upper face)")
        picked = farthest_points(vertices[region], count, vertices[chosen]) if count > 0 else []
        chosen += [int(region[index]) for index in picked]
        names += [f"{label}_{number:02d}" for number in range(len(picked))]
    rest = vertices[chosen].astype(np.float32)
    scale = float(np.linalg.norm(rest.max(axis=0) - rest.min(axis=0)))
    if not scale > 0:
        raise ModelError("the template's landmarks all sit at one point: the template is degenerate")
    return LandmarkSet(tuple(names), tuple(chosen), rest, scale)


def default_head_landmarks(lip_points: int, upper_points: int) -> LandmarkSet:
    """The default head's named landmarks, then points spread over its lips, its upper face (lids,
    brows), its jaw and its cheeks: the skin that jawOpen and cheekPuff move most, outside the lips."""
    from ...template import load_default_head

    head = load_default_head()
    skin = np.zeros(head.vertex_count, dtype=bool)
    skin[head.parts["skin"]] = True
    skin[head.lip_vertices] = False

    def moved_by(unit: str) -> np.ndarray:
        travel = np.linalg.norm(head.targets[head.target_names.index(unit)], axis=1)
        return np.flatnonzero(skin & (travel >= 0.5 * travel[skin].max()))

    regions = {"lip": (head.lip_vertices, lip_points), "upper": (head.upper_face_vertices, upper_points),
               "jaw": (moved_by("jawOpen"), JAW_POINTS), "cheek": (moved_by("cheekPuff"), CHEEK_POINTS)}
    return landmark_set(head.mesh.vertices, dict(head.landmark_index), regions)


def corpus_landmarks(data, subject: str | None, lip_points: int, upper_points: int) -> LandmarkSet:
    """Landmarks on the template of `subject` (else the first) of the corpus at `data`, spread over
    its regions/lve.txt and regions/fdd.txt."""
    from ...datasets.corpus import Corpus

    corpus = Corpus(data)
    subject = subject or sorted(corpus.templates)[0]
    return landmark_set(corpus.template(subject), {}, {"lip": (corpus.region("lve"), lip_points),
                                                       "upper": (corpus.region("fdd"), upper_points)})
