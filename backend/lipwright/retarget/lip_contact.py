"""Moves the lip landmarks seen from the front to where the lips meet, as the default head's own are defined.

The head's lip midpoints are the lips' contact line: the upper lip's lowest point and the lower lip's highest
on the midline. Seen from the front, a lower lip tucked under the upper lip's overhang shows only its front
(on the default head 2.6 mm ahead of and 0.5 mm below its crest); a fit pinned there registered the lower lip's
front to the template's seam, and the lips' motion near the seam came out 10% of the mouth width wrong.
The head's mouth corners are where the shortest path over the surface from one lip midpoint to the other, on
one side of the face, turns: the commissure, recessed behind the lips. In a front view the lips' fronts hide
it, a pixel's width from where they end; which pixel the groove ends on swung with a tenth of a degree of
the head's tilt, and the corner with it by 6% of the mouth's width."""

from __future__ import annotations

import numpy as np
import trimesh
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

# Shares of the head's width (its X extent). The walk from the seen point to the crest follows the lip's
# surface back into the slit at most _REACH; a dip of _DIP ends a crest (the lip turning into the mouth),
# and so does turning forward by _DIP (welded lips: the walk would climb the other lip's front); a point
# more than _LEVEL ahead of the deepest one passed is already on the way forward.
_REACH = 0.03
_DIP = 0.002
_LEVEL = 0.0002
_MERGE = 1e-7
# The corner path is searched among vertices within this many mouth widths of the mouth's middle; a path
# corner farther than _CORNER_AGREEMENT mouth widths from the one seen (welded lips: the path crosses the
# seam on the midline) is not a corner, and the seen one stays.
_CORNER_REGION = 1.0
_CORNER_AGREEMENT = 0.25
# Edges from lip to lip closer to the midline than this share of the corner's distance are not walked; a
# path whose farthest point is nearer the midline than _TURN_SHARE of the corner seen turned at a weld.
_WELD_SHARE = 0.8
_TURN_SHARE = 0.9
# The second try starts this many mouth widths inward of the corner seen, as far above and below it.
_BESIDE = 0.06
# The midline's own vertices belong to both sides, also where the mirror plane was found a little off
# (without them the nearest vertex to a lip midpoint can lie on the other lip, and the path is one edge).
_SIDE_TOLERANCE = 0.02
# An open jaw turns the lower lip with it: its contact point no longer tops it but faces up and forward by the
# jaw's turn, which drops the lower lip by the lips' gap (less a shut mouth's slit, _SHUT_GAP mouth widths)
# around a hinge _JAW_RADIUS mouth widths behind. On the default head the chin's normal turns 32.5 degrees per
# mouth width of gap (45.6 shut, 63.5 at jawOpen 0.7, gap 0.60). Taken as the lower lip's top, its contact point
# on the head opened by 0.7 was found 3% of the mouth width up and back, and mouthClose carried 10% off.
_SHUT_GAP = 0.05
_JAW_RADIUS = 1.76
# A smaller turn is a shut or barely parted mouth (lip gap under 0.14 mouth widths): its crest stays the top.
_MIN_TURN = np.radians(3.0)


def where_lips_meet(vertices: np.ndarray, triangles: np.ndarray,
                    points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """points: landmark name -> (3,) canonical, with the lip midpoints and mouth corners as a front view shows
    them -> the same with those four moved to where the lips meet."""
    moved = dict(points)
    width = float(np.linalg.norm(points["mouth_corner_left"] - points["mouth_corner_right"]))
    upper, lower = lip_contact_points(vertices, triangles, points["lip_upper_mid"], points["lip_lower_mid"])
    turn = jaw_turn(upper, lower, width)
    if turn > 0.0:
        upper, lower = lip_contact_points(vertices, triangles, points["lip_upper_mid"], points["lip_lower_mid"], turn)
    moved["lip_upper_mid"], moved["lip_lower_mid"] = upper, lower
    for side, sign in (("left", 1), ("right", -1)):
        moved[f"mouth_corner_{side}"] = mouth_corner_on_path(vertices, triangles, moved["lip_upper_mid"],
                                                             moved["lip_lower_mid"], points[f"mouth_corner_{side}"],
                                                             width, sign)
    return moved


def jaw_turn(upper: np.ndarray, lower: np.ndarray, mouth_width: float) -> float:
    """How far (radians) a jaw is turned open, read from the lips' contact points' gap (canonical frame); 0 for
    a shut or barely parted mouth."""
    gap = float(np.linalg.norm(np.asarray(upper) - np.asarray(lower))) / max(mouth_width, 1e-12)
    turn = max(gap - _SHUT_GAP, 0.0) / _JAW_RADIUS
    return turn if turn >= _MIN_TURN else 0.0


def lip_contact_points(vertices: np.ndarray, triangles: np.ndarray, upper: np.ndarray, lower: np.ndarray,
                       jaw: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """vertices: (V, 3) canonical (Z up, face toward -Y, midline X = 0); upper, lower: (3,) the lips' midpoints
    as seen from the front; jaw: the jaw's turn (jaw_turn) -> (upper lip's lowest point, lower lip's highest
    point, "highest" turned forward by `jaw`) on the midline section reachable from each along its lip. A point
    with no section near it is returned as it was."""
    vertices = np.asarray(vertices, dtype=np.float64)
    width = float(np.ptp(vertices[:, 0]))
    points, neighbours = _midline_section(vertices, triangles, np.stack([upper, lower]), width)
    if points is None:
        return np.asarray(upper, dtype=np.float64), np.asarray(lower, dtype=np.float64)
    return (_extreme_along(points, neighbours, upper, -1.0, width),
            _extreme_along(points, neighbours, lower, +1.0, width, jaw))


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
                   width: float, turn: float = 0.0) -> np.ndarray:
    """From the section point nearest `seen`, walks the section each way while it keeps rising (direction +1)
    or sinking (-1) and going back; returns the highest (lowest) point reached, heights measured along up
    turned forward by `turn` radians."""
    seen_from = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(turn), np.sin(turn)], [0.0, -np.sin(turn), np.cos(turn)]])
    points = points @ seen_from.T  # Y stays depth, Z height, in the turned frame
    start = int(np.argmin(np.linalg.norm(points - seen @ seen_from.T, axis=1)))
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
    return points[best] @ seen_from


def mouth_corner_on_path(vertices: np.ndarray, triangles: np.ndarray, upper: np.ndarray, lower: np.ndarray,
                         seen_corner: np.ndarray, mouth_width: float, side: int) -> np.ndarray:
    """vertices: (V, 3) canonical; upper, lower: (3,) the lip midpoints where the lips meet; seen_corner:
    (3,) the corner found on the front view, on the `side` (+1 left, -1 right) of the face. Returns the
    vertex of the shortest surface path from `upper` to `lower` on that side that lies farthest out, or
    `seen_corner` where no such path turns near it."""
    vertices = np.asarray(vertices, dtype=np.float64)
    seen_corner = np.asarray(seen_corner, dtype=np.float64)
    middle = 0.5 * (upper + lower)
    allowed = ((side * vertices[:, 0] >= -_SIDE_TOLERANCE * mouth_width)
               & (np.linalg.norm(vertices - middle, axis=1) < _CORNER_REGION * mouth_width))
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    edges = edges[allowed[edges].all(axis=1)]
    candidates = np.flatnonzero(allowed)
    if len(edges) == 0 or len(candidates) < 3:
        return seen_corner

    def nearest(point: np.ndarray) -> int:
        return int(candidates[np.argmin(np.linalg.norm(vertices[candidates] - point, axis=1))])

    # No crossing from lip to lip between the corners: a decimated mesh may weld the lips near the midline,
    # and the path would cross there (the inner mouth crosses too, where the path has no business).
    seam_height = middle[2] + (seen_corner[2] - middle[2]) * np.abs(vertices[:, 0] / seen_corner[0])
    above = vertices[:, 2] > seam_height
    inside = np.abs(vertices[edges, 0]).mean(axis=1) < _WELD_SHARE * abs(seen_corner[0])
    unwelded = edges[~(inside & (above[edges[:, 0]] != above[edges[:, 1]]))]
    # Failing that (lips that touch at one height, so neither is above), from lip front to lip front beside
    # the corner seen: that short path turns round the commissure too.
    beside = seen_corner - np.array([side * _BESIDE * mouth_width, 0.0, 0.0])
    lip_height = np.array([0.0, 0.0, _BESIDE * mouth_width])
    for walked, start, end in ((unwelded, nearest(upper), nearest(lower)),
                               (edges, nearest(beside + lip_height), nearest(beside - lip_height))):
        corner = _farthest_on_path(vertices, walked, start, end, side)
        # A path that turns just past where crossing is allowed found a weld, not the commissure.
        if (corner is not None and np.linalg.norm(corner - seen_corner) <= _CORNER_AGREEMENT * mouth_width
                and side * corner[0] >= max(_TURN_SHARE * abs(seen_corner[0]),
                                            side * vertices[[start, end], 0].max() + _BESIDE * mouth_width / 2)):
            return corner
    return seen_corner


def _farthest_on_path(vertices: np.ndarray, edges: np.ndarray, start: int, end: int, side: int) -> np.ndarray | None:
    """The vertex farthest toward `side` on the shortest path along `edges` from start to end (None: no path)."""
    lengths = np.linalg.norm(vertices[edges[:, 0]] - vertices[edges[:, 1]], axis=1)
    graph = coo_matrix((lengths, (edges[:, 0], edges[:, 1])), shape=(len(vertices),) * 2).tocsr()
    _, predecessors = dijkstra(graph, directed=False, indices=start, return_predecessors=True)
    path = [end]
    while path[-1] != start:
        previous = int(predecessors[path[-1]])
        if previous < 0:
            return None
        path.append(previous)
    return vertices[path[int(np.argmax(side * vertices[path, 0]))]].copy()
