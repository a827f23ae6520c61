"""Guesses facial landmarks from the shape alone, for stylised faces a detector does not recognise.

Works in the canonical frame (Z up, face toward -Y, left +X, symmetry plane X = 0) on front renders:
the nose tip is the midline's most frontal bump, the lip seam its sharpest groove below the nose, the
mouth corners where that groove fades out sideways (then all four moved to where the lips meet), the chin
the midline point farthest forward and down below the lips, the eyelids the edges of the eyeballs (separate
meshes) or, without them, proportions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import LipwrightError
from .lip_contact import jaw_turn, where_lips_meet
from .render import FrontRender, render_front

# Lengths below are shares of the head's width (its X extent), so they hold at any scale.
_GROOVE_REACH = 0.02         # how far above and below a groove its lips are looked for
_OPENING_REACH = 0.12        # the same for an open mouth's gap (the default head at jawOpen 0.7: 0.14 tall)
_MIN_SEAM = 0.004            # a shallower groove is no lip seam
_MIN_NOSE = 0.02             # how far the nose tip must stand out from the midline around it
_NOSE_REACH = 0.1
_LIP_REACH = 0.1            # how far from the seam each lip's most frontal point is looked for
_OPEN = 0.04                 # a midline this far behind both lips looks through an open mouth
_SEAM_FADE = 0.25            # the corner: where the groove falls to this share of its depth at the midline
_PROFILE_PIXELS = 480
_MOUTH_PIXELS = 360
# The chin landmark is where the chin faces forward and down at 45 degrees on a shut jaw; an open jaw turns it
# further down (lip_contact.jaw_turn). Without the turn the chin of the head opened by jawOpen 0.7 was found at
# its front, 24% of the mouth width off, and the fit carried jawOpen 21% off.
_CHIN_ANGLE_SHUT = np.radians(45.0)


class NoFaceFound(LipwrightError):
    """No nose, lips or mouth could be found on the mesh."""


@dataclass(frozen=True)
class GeometricGuess:
    """points: landmark name -> (3,) in the canonical frame; confidence in [0, 1]; warnings for the user;
    by_proportion: the landmarks placed from a typical face's proportions, not found on the shape."""

    points: dict[str, np.ndarray]
    confidence: float
    warnings: list[str] = field(default_factory=list)
    by_proportion: tuple[str, ...] = ()


def guess_landmarks(vertices: np.ndarray, triangles: np.ndarray) -> GeometricGuess:
    """vertices: (V, 3) canonical; triangles: (T, 3). Raises NoFaceFound when there is no nose or mouth."""
    vertices = np.asarray(vertices, dtype=np.float64)
    width = float(np.ptp(vertices[:, 0]))
    if width <= 0:
        raise NoFaceFound("no face found: the mesh is flat")
    warnings = ["landmarks were guessed from the shape of the face, not detected on its picture: "
                "check them, and move any that are off before fitting"]
    front = render_front(vertices, triangles, size=_PROFILE_PIXELS)
    heights, profile = _midline_profile(front)
    nose_row, nose_prominence = _nose(heights, profile, width)
    nose_tip = _profile_point(front, heights[nose_row])

    # The seam is searched for below the nose's underside and above where the chin would be.
    nose_z = heights[nose_row]
    below = (heights < nose_z - 0.05 * width) & (heights > nose_z - 0.5 * width)
    reach = max(int(round(_GROOVE_REACH * width / front.pixel_size)), 1)
    grooves = np.where(below, _groove_depth(profile, reach), -np.inf)
    # An open mouth's gap is wider than a groove's reach, so the groove finder sees no lips around its middle
    # (on the default head opened by jawOpen 0.35 it took the crease under the nose for the seam, 1.6 cm high):
    # looked at from farther, the gap lies half the head's width deep, any closed face's creases under 2.5%.
    # A shut mouth's slit seen through is deep too, but there the near look sees it as deep.
    opening_reach = max(int(round(_OPENING_REACH * width / front.pixel_size)), 1)
    openings = np.where(below, _groove_depth(profile, opening_reach), -np.inf)
    opening_row = int(np.argmax(openings))
    is_open = bool(openings[opening_row] > _OPEN * width and grooves[opening_row] < 0.5 * openings[opening_row])
    if is_open:
        grooves, reach = openings, opening_reach
    seam_row = int(np.argmax(grooves))
    seam_depth = grooves[seam_row]
    if not np.isfinite(seam_depth) or seam_depth < _MIN_SEAM * width:
        raise NoFaceFound("no face found: there is no mouth (a groove or gap between lips) below the nose")
    seam_z = heights[seam_row]

    # A closer look at the mouth: the seam and its corners at a finer scale.
    half = 0.4 * width
    mouth = render_front(vertices, triangles, size=_MOUTH_PIXELS,
                         window=(-half, half, seam_z - 0.15 * width, seam_z + 0.15 * width))
    mouth_heights, mouth_profile = _midline_profile(mouth)
    mouth_reach = max(int(round((_OPENING_REACH if is_open else _GROOVE_REACH) * width / mouth.pixel_size)), 1)
    mouth_grooves = _groove_depth(mouth_profile, mouth_reach)
    near = np.abs(mouth_heights - seam_z) < 2.0 * front.pixel_size
    seam_row = int(np.argmax(np.where(near, mouth_grooves, -np.inf)))
    upper_row, lower_row = _gap(mouth_profile, mouth_grooves, seam_row,
                                lip_rows=int(round(_LIP_REACH * width / mouth.pixel_size)), open_depth=_OPEN * width)
    lip_upper = _profile_point(mouth, mouth_heights[upper_row])
    lip_lower = _profile_point(mouth, mouth_heights[lower_row])
    corner_left = _mouth_corner(mouth, seam_row, mouth_reach, mouth_grooves[seam_row], +1, width)
    corner_right = _mouth_corner(mouth, seam_row, mouth_reach, mouth_grooves[seam_row], -1, width)
    lips = where_lips_meet(vertices, triangles, {"lip_upper_mid": lip_upper, "lip_lower_mid": lip_lower,
                                                 "mouth_corner_left": corner_left, "mouth_corner_right": corner_right})
    lip_upper, lip_lower = lips["lip_upper_mid"], lips["lip_lower_mid"]
    corner_left, corner_right = lips["mouth_corner_left"], lips["mouth_corner_right"]

    mouth_height = nose_z - seam_z
    turn = jaw_turn(lip_upper, lip_lower, float(np.linalg.norm(corner_left - corner_right)))
    chin = _chin(front, heights, profile, seam_z, mouth_height, _CHIN_ANGLE_SHUT + turn)
    # From the upper lip, not the seam: an open jaw lowers the gap's middle, not the upper lip (the lids of the
    # head opened by 0.7 were placed 40% of the mouth width too high from the gap).
    lids, eye_warning = _eyelids(vertices, triangles, front, nose_z, lip_upper[2], corner_left[0] - corner_right[0])
    if eye_warning:
        warnings.append(eye_warning)

    points = {"lip_upper_mid": lip_upper, "lip_lower_mid": lip_lower, "mouth_corner_left": corner_left,
              "mouth_corner_right": corner_right, "chin": chin, "nose_tip": nose_tip, **lids}
    # Deep, sharp features make a confident guess; shallow ones a doubtful one.
    confidence = float(np.clip(min(nose_prominence / (3 * _MIN_NOSE), seam_depth / width / (3 * _MIN_SEAM)), 0.0, 1.0))
    confidence *= 0.7 if eye_warning else 1.0
    return GeometricGuess(points=points, confidence=round(confidence * 0.8, 3), warnings=warnings,
                          by_proportion=tuple(lids) if eye_warning else ())


def _midline_profile(render: FrontRender) -> tuple[np.ndarray, np.ndarray]:
    """Height Z of each picture row and the depth Y of the surface where X = 0 (nan where the ray hits
    nothing: treated as very deep, since it looks through a gap)."""
    rows = np.arange(render.depth.shape[0]) + 0.5
    column = render.to_picture(np.array([[0.0, 0.0]]))[0, 0]
    points, _, _, hit = render.cast(np.stack([np.full(len(rows), column), rows], axis=1))
    heights = render.to_world(np.stack([np.full(len(rows), column), rows], axis=1))[:, 1]
    depth = points[:, 1]
    far = np.nanmax(depth) if hit.any() else 0.0
    deep = far + 10.0 * render.pixel_size * len(rows)
    return heights, np.where(hit & np.isfinite(depth), depth, deep)


def _profile_point(render: FrontRender, height: float) -> np.ndarray:
    points, _, _, hit = render.cast(render.to_picture(np.array([[0.0, height]])))
    if not hit[0]:
        raise NoFaceFound("no face found: the midline of the face has holes where the nose or lips should be")
    return points[0]


def _nose(heights: np.ndarray, profile: np.ndarray, width: float) -> tuple[int, float]:
    """The most frontal midline row in the middle of the head's height, and how far it stands out."""
    covered = profile < np.max(profile)
    top, bottom = heights[covered].max(), heights[covered].min()
    middle = covered & (heights < top - 0.1 * (top - bottom)) & (heights > bottom + 0.1 * (top - bottom))
    if not middle.any():
        raise NoFaceFound("no face found: the mesh has no midline to look for a nose on")
    row = int(np.argmin(np.where(middle, profile, np.inf)))
    reach = _NOSE_REACH * width
    above = profile[covered & (heights > heights[row] + reach)]
    below = profile[covered & (heights < heights[row] - reach) & (heights > heights[row] - 2 * reach)]
    # The midline just beyond `reach` above and below the tip (the bridge and the upper lip on a face).
    around = [part.min() if len(part) else profile[row] for part in (above[-3:], below[:3])]
    prominence = min(value - profile[row] for value in around) / width
    if prominence < _MIN_NOSE:
        raise NoFaceFound("no face found: nothing stands out like a nose on the middle of the mesh")
    return row, prominence


def _groove_depth(profile: np.ndarray, reach: int) -> np.ndarray:
    """How far each row lies behind the most frontal surface within `reach` rows above and below it
    (the smaller of the two): large in a crease or gap between two bulges, negative on a bulge."""
    count = len(profile)
    padded = np.concatenate([np.full(reach, np.inf), profile, np.full(reach, np.inf)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1)
    above = windows[:, :reach].min(axis=1)
    below = windows[:, reach + 1:].min(axis=1)
    depth = profile - np.maximum(above, below)
    depth[:reach] = -np.inf
    depth[count - reach:] = -np.inf
    return depth


def _gap(profile: np.ndarray, grooves: np.ndarray, seam_row: int, lip_rows: int, open_depth: float) -> tuple[int, int]:
    """Rows of the upper lip's lowest and the lower lip's highest surface around the seam: the rows just
    outside the gap between the lips. Shut, the gap is the crease's deepest part; open (the midline lies
    `open_depth` behind both lips or more), it is all that lies behind the lips, teeth and tongue included."""
    deepest = profile[seam_row]
    upper_lip = profile[max(seam_row - lip_rows, 0):seam_row].min(initial=deepest)
    # An open jaw takes the lower lip far down: look twice as far for it.
    lower_lip = profile[seam_row + 1:seam_row + 1 + 2 * lip_rows].min(initial=deepest)
    if deepest - max(upper_lip, lower_lip) > open_depth:
        # Each lip's edge: the first row, going out from the gap, that is within half `open_depth` of its front.
        inside_upper = profile > upper_lip + 0.5 * open_depth
        inside_lower = profile > lower_lip + 0.5 * open_depth
    else:
        inside_upper = inside_lower = profile > deepest - 0.25 * grooves[seam_row]
    upper = seam_row
    while upper > 0 and inside_upper[upper - 1]:
        upper -= 1
    lower = seam_row
    while lower < len(profile) - 1 and inside_lower[lower + 1]:
        lower += 1
    return max(upper - 1, 0), min(lower + 1, len(profile) - 1)


def _mouth_corner(mouth: FrontRender, seam_row: int, reach: int, seam_depth: float, side: int,
                  head_width: float) -> np.ndarray:
    """Follows the seam's groove column by column away from the midline; the corner is where it fades."""
    height, width = mouth.depth.shape
    far = np.nanmax(np.where(np.isfinite(mouth.depth), mouth.depth, np.nan))
    depth = np.where(np.isfinite(mouth.depth), mouth.depth, far + 10.0 * mouth.pixel_size * height)
    centre = int(np.floor(mouth.to_picture(np.array([[0.0, 0.0]]))[0, 0]))
    row = seam_row
    corner = (centre, row)
    step = max(reach // 3, 1)
    for column in range(centre, width if side > 0 else -1, side):
        grooves = _groove_depth(depth[:, column], reach)
        low, high = max(row - step, 0), min(row + step + 1, height)
        best = low + int(np.argmax(grooves[low:high]))
        if grooves[best] < _SEAM_FADE * seam_depth:
            break
        row = best
        corner = (column, row)
    # The groove may end in the slit between shut lips: the corner is on its rim, not seen through it.
    points, _, _, hit = mouth.cast_on_outer_face(np.array([[corner[0] + 0.5, corner[1] + 0.5]]), head_width)
    if not hit[0]:
        raise NoFaceFound("no face found: the mouth's corners could not be found")
    return points[0]


def _chin(front: FrontRender, heights: np.ndarray, profile: np.ndarray, seam_z: float,
          mouth_height: float, angle: float) -> np.ndarray:
    """The midline point, between the lips and the throat, farthest along the direction `angle` (radians)
    below forward."""
    covered = profile < np.max(profile)
    window = covered & (heights < seam_z - 0.5 * mouth_height) & (heights > seam_z - 2.0 * mouth_height)
    if not window.any():
        raise NoFaceFound("no face found: there is no chin below the mouth")
    reach = -np.cos(angle) * profile - np.sin(angle) * heights
    row = int(np.argmax(np.where(window, reach, -np.inf)))
    return _profile_point(front, heights[row])


def _eyelids(vertices: np.ndarray, triangles: np.ndarray, front: FrontRender, nose_z: float, seam_z: float,
             mouth_width: float) -> tuple[dict[str, np.ndarray], str | None]:
    """Upper and lower lid points: the top and bottom edges of each visible eyeball, or, with no separate
    eyeballs, the lid line's likely place from the face's proportions."""
    labels = _components(vertices, triangles)
    eyes = _eyeball_components(vertices, triangles, labels, nose_z)
    lids: dict[str, np.ndarray] = {}
    if eyes is not None:
        component = labels[front.triangles[:, 0]]
        seen = np.where(front.triangle >= 0, component[np.maximum(front.triangle, 0)], -1)
        for side, label in eyes.items():
            rows, columns = np.nonzero(seen == label)
            if len(rows) == 0:
                eyes = None
                break
            # The lids cover the eyeball's top and bottom: what shows of it ends at the lid edges.
            middle = int(round(np.median(columns)))
            in_column = rows[np.abs(columns - middle) <= 1]
            upper, lower = front.cast(np.array([[middle + 0.5, in_column.min() - 0.5],
                                                [middle + 0.5, in_column.max() + 1.5]]))[0]
            lids[f"upper_lid_{side}"], lids[f"lower_lid_{side}"] = upper, lower
        if eyes is not None:
            return lids, None
    # Proportions of a typical face: the eyes as far above the nose tip as the nose is above the seam
    # times 1.45, each eye's middle 0.72 mouth widths from the midline, the lids 0.4 of that apart.
    eye_z = nose_z + 1.45 * (nose_z - seam_z)
    opening = 0.2 * mouth_width
    for side, sign in (("left", 1.0), ("right", -1.0)):
        x = sign * 0.72 * mouth_width
        lid_line = front.to_picture(np.array([[x, eye_z + opening], [x, eye_z - opening]]))
        upper, lower = front.cast_on_outer_face(lid_line, np.ptp(vertices[:, 0]))[0]
        lids[f"upper_lid_{side}"], lids[f"lower_lid_{side}"] = upper, lower
    return lids, "the eyelids were placed from the face's proportions (no eyeballs were found): check them"


def _components(vertices: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]]])
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(len(vertices),) * 2)
    return connected_components(graph, directed=False)[1]


def _eyeball_components(vertices: np.ndarray, triangles: np.ndarray, labels: np.ndarray,
                        nose_z: float) -> dict[str, int] | None:
    """Two separate, roughly round, mirror-image pieces above the nose: the eyeballs (label per side)."""
    used = np.unique(triangles)
    counts = np.bincount(labels[used], minlength=labels.max() + 1)
    main = int(np.argmax(counts))
    pieces = []
    for label in np.unique(labels[used]):
        if label == main:
            continue
        points = vertices[used[labels[used] == label]]
        centre, extent = points.mean(axis=0), np.ptp(points, axis=0)
        round_enough = extent.min() > 0.6 * extent.max()
        if round_enough and centre[2] > nose_z and abs(centre[0]) > 0.5 * extent.max():
            pieces.append((label, centre, extent.max()))
    left = [piece for piece in pieces if piece[1][0] > 0]
    right = [piece for piece in pieces if piece[1][0] < 0]
    for piece in sorted(left, key=lambda item: -item[2]):
        mirror = piece[1] * np.array([-1.0, 1.0, 1.0])
        partners = [other for other in right if np.linalg.norm(other[1] - mirror) < 0.3 * piece[2]]
        if partners:
            return {"left": int(piece[0]), "right": int(partners[0][0])}
    return None
