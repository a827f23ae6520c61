"""Moves lip midpoints seen from the front to where the lips meet, along the face's midline section.

The default head's lip midpoints are the lips' contact line: the upper lip's lowest point and the lower lip's
highest. Seen from the front, a lower lip tucked under the upper lip's overhang shows only its front (on the
default head 2.6 mm ahead of and 0.5 mm below its crest); a fit pinned there registers the lower lip's front
to the template's seam, and the lips' motion near the seam came out 10% of the mouth width wrong."""

from __future__ import annotations

import numpy as np
import trimesh
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

# Shares of the head's width (its X extent). The walk from the seen point to the crest follows the lip's
# surface back into the slit at most _REACH; a dip of _DIP ends a crest (the lip turning into the mouth),
# and so does turning forward by _DIP (welded lips: the walk would climb the other lip's front); a point
# more than _LEVEL ahead of the deepest one passed is already on the way forward.
_REACH = 0.03
_DIP = 0.002
_LEVEL = 0.0002
_MERGE = 1e-7


def lip_contact_points(vertices: np.ndarray, triangles: np.ndarray, upper: np.ndarray, lower: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """vertices: (V, 3) canonical (Z up, face toward -Y, midline X = 0); upper, lower: (3,) the lips' midpoints
    as seen from the front -> (upper lip's lowest point, lower lip's highest point) on the midline section
    reachable from each along its lip. A point with no section near it is returned as it was."""
    vertices = np.asarray(vertices, dtype=np.float64)
    width = float(np.ptp(vertices[:, 0]))
    points, neighbours = _midline_section(vertices, triangles, np.stack([upper, lower]), width)
    if points is None:
        return np.asarray(upper, dtype=np.float64), np.asarray(lower, dtype=np.float64)
    return (_extreme_along(points, neighbours, upper, -1.0, width),
            _extreme_along(points, neighbours, lower, +1.0, width))


def _midline_section(vertices: np.ndarray, triangles: np.ndarray, near: np.ndarray, width: float):
    """The X = 0 section of the triangles within reach of `near` (n, 3): (points (P, 3), each point's
    neighbours along the section), or (None, None) when the plane cuts nothing there."""
    reach = 2.0 * _REACH * width
    corners = vertices[triangles]
    low, high = corners.min(axis=1), corners.max(axis=1)
    close = np.zeros(len(triangles), dtype=bool)
    for point in near:  # triangles whose box meets the box around the point (large ones of a coarse mesh too)
        close |= ((low <= point + reach) & (high >= point - reach)).all(axis=1)
    if not close.any():
        return None, None
    local = trimesh.Trimesh(vertices, triangles[close], process=False)
    segments = trimesh.intersections.mesh_plane(local, plane_normal=[1.0, 0.0, 0.0], plane_origin=[0.0, 0.0, 0.0])
    if len(segments) == 0:
        return None, None
    ends = segments.reshape(-1, 3)
    # Both triangles on an edge cut it at the same place (to rounding): one point of the section.
    pairs = cKDTree(ends).query_pairs(_MERGE * width, output_type="ndarray")
    same = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(ends),) * 2)
    _, label = connected_components(same, directed=False)
    points = np.zeros((label.max() + 1, 3))
    points[label] = ends
    neighbours: list[set[int]] = [set() for _ in range(len(points))]
    for first, second in label.reshape(-1, 2):
        if first != second:
            neighbours[first].add(int(second))
            neighbours[second].add(int(first))
    return points, neighbours


def _extreme_along(points: np.ndarray, neighbours: list[set[int]], seen: np.ndarray, direction: float,
                   width: float) -> np.ndarray:
    """From the section point nearest `seen`, walks the section each way while it keeps rising (direction +1)
    or sinking (-1) and going back; returns the highest (lowest) point reached."""
    start = int(np.argmin(np.linalg.norm(points - seen, axis=1)))
    best = start
    for first in neighbours[start]:
        previous, current, walked = start, first, 0.0
        height, depth = direction * points[start, 2], points[start, 1]
        while walked < _REACH * width:
            walked += float(np.linalg.norm(points[current] - points[previous]))
            if direction * points[current, 2] < height - _DIP * width or points[current, 1] < depth - _DIP * width:
                break
            # Only a point as deep as any before is a candidate: past a groove the walk is on the other lip.
            going_back = points[current, 1] >= depth - _LEVEL * width
            if going_back and direction * points[current, 2] > direction * points[best, 2]:
                best = current
            height = max(height, direction * points[current, 2])
            depth = max(depth, points[current, 1])
            following = neighbours[current] - {previous}
            if not following:
                break
            previous, current = current, max(following, key=lambda index: direction * points[index, 2])
    return points[best].copy()
