"""Finds which way a character's face looks and which way is up, whatever the export's axes or rotation.

The canonical frame is the default head's: Z up, the face looks toward -Y, the character's left is +X.
A face is mirror-symmetric, so the symmetry plane gives the left-right axis; the direction in that plane
whose front view looks most like the default head's (a coarse depth picture) gives front and up."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.spatial import cKDTree

from ..geometry.mesh import MeshData
from .render import triangulate

_SAMPLES = 20_000
_PICTURE = 32
_COARSE_STEP_DEG = 15.0
_FINE_STEP_DEG = 2.5
_SYMMETRY_ROUNDS = 12
_SYMMETRY_SAMPLES = 8000
# The depth picture tells the face's tilt (nodding) to a degree or two only, and a degree matters: seen
# slightly from above, the mouth's corners hide behind the lips (found 8% of the mouth's width off on a head
# turned 0.9 degrees). The tilt is then refined by matching the face's profile to the default head's: the
# profile is the most frontal point of each of _PROFILE_ROWS rows of the midline band (_MIDLINE_BAND of the
# head's width either side of the mirror plane); a refinement over _MAX_TILT_DEG is not trusted.
_PROFILE_ROWS = 96
_MIDLINE_BAND = 0.02
_PROFILE_ROUNDS = 30
_MAX_TILT_DEG = 3.0


@dataclass(frozen=True)
class Orientation:
    """canonical = (original - centre) @ rotation.T; rotation: (3, 3) proper (det +1).
    symmetry_error: the mirror's mismatch as a share of the mesh's size (0 for an exactly symmetric mesh);
    likeness: how far the front depth picture is from the default head's (0 = the same)."""

    rotation: np.ndarray
    centre: np.ndarray
    symmetry_error: float
    likeness: float

    def to_canonical(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, dtype=np.float64) - self.centre) @ self.rotation.T

    def to_original(self, points: np.ndarray) -> np.ndarray:
        return np.asarray(points, dtype=np.float64) @ self.rotation + self.centre


def find_orientation(mesh: MeshData, count: int = 3) -> list[Orientation]:
    """The `count` most face-like orientations of `mesh`, best first (each a different front direction)."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    samples = surface_samples(vertices, triangulate(mesh), _SAMPLES)
    normal, point, symmetry_error = symmetry_plane(samples[:_SYMMETRY_SAMPLES])
    first, second = _plane_basis(normal)
    # Exact exports put front and up on coordinate axes: try those directions as well as an even sweep.
    angles = set(np.arange(0.0, 360.0, _COARSE_STEP_DEG).round(6))
    for axis in np.eye(3):
        projected = axis - normal * (axis @ normal)
        if np.linalg.norm(projected) > 0.5:
            base = np.degrees(np.arctan2(projected @ second, projected @ first))
            angles.update(np.round((base + np.arange(0.0, 360.0, 90.0)) % 360.0, 6))
    reference = _template_picture()

    def score(angle: float, flip: int) -> tuple[float, np.ndarray]:
        rotation = _rotation(first, second, normal, angle, flip)
        return _picture_distance(_depth_picture((samples - point) @ rotation.T), reference), rotation

    scored = sorted((score(angle, flip)[0], angle, flip) for angle in angles for flip in (1, -1))
    centre = _centre_on_plane(samples, normal, point)
    found: list[tuple[float, int, Orientation]] = []
    for _, angle, flip in scored:
        if any(flip == kept_flip and _angle_gap(angle, kept_angle) < 30.0 for kept_angle, kept_flip, _ in found):
            continue
        fine = angle + np.arange(-_COARSE_STEP_DEG, _COARSE_STEP_DEG + 1e-9, _FINE_STEP_DEG)
        likeness, best = min((score(option, flip)[0], option) for option in fine)
        rotation = _refine_tilt(samples - centre, _rotation(first, second, normal, best, flip))
        orientation = Orientation(rotation=rotation, centre=centre, symmetry_error=symmetry_error,
                                  likeness=likeness)
        found.append((best % 360.0, flip, orientation))
        if len(found) == count:
            break
    return [orientation for _, _, orientation in found]


def _angle_gap(first: float, second: float) -> float:
    return abs((first - second + 180.0) % 360.0 - 180.0)


def surface_samples(vertices: np.ndarray, triangles: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """`count` points spread evenly by area over the surface (so the mesh's density does not weigh in)."""
    corners = vertices[triangles]
    areas = 0.5 * np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1)
    if areas.sum() <= 0:
        return vertices.copy()
    generator = np.random.default_rng(seed)
    chosen = generator.choice(len(triangles), size=count, p=areas / areas.sum())
    first, second = generator.random(count), generator.random(count)
    outside = first + second > 1.0
    first[outside], second[outside] = 1.0 - first[outside], 1.0 - second[outside]
    picked = corners[chosen]
    return picked[:, 0] + first[:, None] * (picked[:, 1] - picked[:, 0]) + second[:, None] * (picked[:, 2] - picked[:, 0])


def symmetry_plane(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The mirror plane that maps `points` best onto themselves: (unit normal, a point on it, mismatch as a
    share of the points' extent). Starts from each principal axis, then refines by matching mirrored points."""
    centre = points.mean(axis=0)
    extent = float(np.linalg.norm(points.max(axis=0) - points.min(axis=0)))
    _, _, axes = np.linalg.svd(points - centre, full_matrices=False)
    tree = cKDTree(points)
    best = None
    for normal in axes:
        normal, point = normal.copy(), centre.copy()
        for _ in range(_SYMMETRY_ROUNDS):
            distance, index = tree.query(_mirror(points, normal, point))
            # A point and the partner its mirror image lands on have their midpoint on the plane; the
            # worst-matched fifth (parts that are not symmetric) is left out.
            kept = distance <= np.quantile(distance, 0.8)
            midpoints = 0.5 * (points[kept] + points[index[kept]])
            point = midpoints.mean(axis=0)
            updated = np.linalg.svd(midpoints - point, full_matrices=False)[2][2]
            updated *= np.sign(updated @ normal) or 1.0
            converged = np.linalg.norm(updated - normal) < 1e-6
            normal = updated
            if converged:
                break
        distance, _ = tree.query(_mirror(points, normal, point))
        error = float(np.median(distance)) / extent
        if best is None or error < best[2]:
            best = (normal, point, error)
    return best


def _mirror(points: np.ndarray, normal: np.ndarray, point: np.ndarray) -> np.ndarray:
    return points - 2.0 * ((points - point) @ normal)[:, None] * normal


def _centre_on_plane(samples: np.ndarray, normal: np.ndarray, point: np.ndarray) -> np.ndarray:
    centre = samples.mean(axis=0)
    return centre - ((centre - point) @ normal) * normal


def _plane_basis(normal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    helper = np.eye(3)[np.argmin(np.abs(normal))]
    first = np.cross(normal, helper)
    first /= np.linalg.norm(first)
    return first, np.cross(normal, first)


def _rotation(first: np.ndarray, second: np.ndarray, normal: np.ndarray, angle_deg: float, flip: int) -> np.ndarray:
    """Rows: canonical X, Y, Z in original coordinates, for front = the in-plane direction at `angle_deg`
    and up = that direction turned a quarter (`flip` picks which way)."""
    angle = np.radians(angle_deg)
    front = np.cos(angle) * first + np.sin(angle) * second
    up = flip * (-np.sin(angle) * first + np.cos(angle) * second)
    y_axis = -front
    x_axis = np.cross(y_axis, up)
    return np.stack([x_axis, y_axis, up])


def _refine_tilt(points: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """rotation turned about the canonical X axis so that the profile of `points` (centred on the mirror
    plane) lies on the default head's, as far as _MAX_TILT_DEG; unchanged where the match does not hold."""
    canonical = points @ rotation.T
    profile = _front_profile(canonical)
    reference = _template_profile()
    if len(profile) < 8:
        return rotation
    # The two at the same size and place first; then rigid matching in the (Y, Z) plane, the worst fifth left out.
    profile = (profile - profile.mean(axis=0)) * (np.ptp(reference[:, 1]) / max(np.ptp(profile[:, 1]), 1e-12))
    profile += reference.mean(axis=0)
    tree = cKDTree(reference)
    total = np.eye(2)
    moved = profile
    for _ in range(_PROFILE_ROUNDS):
        distance, index = tree.query(moved)
        kept = distance <= np.quantile(distance, 0.8)
        source, target = moved[kept], reference[index[kept]]
        source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
        u, _, vt = np.linalg.svd((target - target_mean).T @ (source - source_mean))
        turn = u @ np.diag([1.0, np.linalg.det(u @ vt)]) @ vt
        moved = (moved - source_mean) @ turn.T + target_mean
        total = turn @ total
    angle = np.arctan2(total[1, 0], total[0, 0])
    if abs(np.degrees(angle)) > _MAX_TILT_DEG:
        return rotation
    tilt = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(angle), -np.sin(angle)], [0.0, np.sin(angle), np.cos(angle)]])
    return tilt @ rotation


def _front_profile(canonical: np.ndarray) -> np.ndarray:
    """(R, 2) the most frontal (Y, Z) of each row of the midline band, over the rows the band covers."""
    width = np.ptp(canonical[:, 0])
    band = canonical[np.abs(canonical[:, 0]) < _MIDLINE_BAND * width]
    if len(band) == 0:
        return np.zeros((0, 2))
    low, high = band[:, 2].min(), band[:, 2].max()
    row = np.clip(((band[:, 2] - low) / max(high - low, 1e-12) * _PROFILE_ROWS).astype(int), 0, _PROFILE_ROWS - 1)
    front = np.full(_PROFILE_ROWS, -1)
    order = np.lexsort((band[:, 1], row))
    first = np.ones(len(order), dtype=bool)
    first[1:] = row[order][1:] != row[order][:-1]
    front[row[order][first]] = order[first]
    return band[front[front >= 0]][:, 1:]


def _depth_picture(points: np.ndarray) -> np.ndarray:
    """A coarse front depth picture of canonical points, framed by their extent: (P, P), 0 at the most
    frontal point, growing backwards in units of the width, 1 where nothing is."""
    low, high = points.min(axis=0), points.max(axis=0)
    size = np.maximum(high - low, 1e-12)
    column = np.clip(((points[:, 0] - low[0]) / size[0] * _PICTURE).astype(int), 0, _PICTURE - 1)
    row = np.clip(((high[2] - points[:, 2]) / size[2] * _PICTURE).astype(int), 0, _PICTURE - 1)
    picture = np.full(_PICTURE * _PICTURE, np.inf)
    np.minimum.at(picture, row * _PICTURE + column, (points[:, 1] - low[1]) / size[0])
    picture[~np.isfinite(picture)] = 1.0
    return np.clip(picture, 0.0, 1.0).reshape(_PICTURE, _PICTURE)


def _picture_distance(picture: np.ndarray, reference: np.ndarray) -> float:
    return float(np.mean(np.abs(picture - reference)))


@lru_cache(maxsize=1)
def _template_picture() -> np.ndarray:
    return _depth_picture(_template_samples())


@lru_cache(maxsize=1)
def _template_profile() -> np.ndarray:
    return _front_profile(_template_samples())


@lru_cache(maxsize=1)
def _template_samples() -> np.ndarray:
    # Imported here: the head is only needed once a character is oriented.
    from ..template.head import load_default_head

    head = load_default_head().mesh
    vertices = np.asarray(head.vertices, dtype=np.float64)
    return surface_samples(vertices, triangulate(head), _SAMPLES)
