"""Finds the default head's landmarks on any character mesh in one call: orient, render, detect, cast back.

The face detector (MediaPipe) is tried first, on a front render in each likely orientation; where it is not
installed or finds no face (stylised characters), the landmarks are guessed from the shape and say so."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..geometry.mesh import MeshData
from ..template.landmarks import LANDMARK_NAMES
from .head_region import head_region, vertex_submesh
from .inputs import check_character_mesh
from .landmarks_detect import INSTALL_HINT, DetectorMissing, detect_landmarks
from .landmarks_geometric import GeometricGuess, NoFaceFound, guess_landmarks
from .lip_contact import where_lips_meet
from .orientation import Orientation, find_orientation
from .render import FrontRender, render_front, triangulate

_DETECT_PIXELS = 320
_ORIENTATIONS_TRIED = 3
# The shape's own landmarks replace the detector's where the two agree this closely (a share of the mouth's
# width): the detector places them to a pixel or two, and a pixel off in a crease (the lip seam, a mouth
# corner, a lid) lands millimetres away in depth; the surface's grooves and edges are finer.
_AGREEMENT = 0.25
# The chin is a shape (where the chin faces forward and down), not a look: on a gaping mouth the detector put
# it 28% of the mouth width off (the head opened by jawOpen 0.7), the shape 2.5%; within this share the shape's wins.
_CHIN_AGREEMENT = 0.5
_NOSE_SEARCH = 0.03
# An open mouth's lip midpoints: the detector marks the inner lip line, which on an open mouth can lie in the
# opening itself (on the default head opened by jawOpen 0.35 it marked the lower lip 5 pixels above its rim,
# seeing the mouth's back 19 cm deep). Searched this far along the picture's column (a share of the head's
# width; the head opened by jawOpen 0.7 shows a 2.7 cm gap, 14% of its width), the rim is the first pixel whose
# surface lies _OPENING_DEPTH (a share of the head's width, as the outer-face cast's gap) in front.
_RIM_SEARCH = 0.1
_OPENING_DEPTH = 0.1
HAND_PLACEMENT_HINT = ("place the landmarks by hand on the character (lip midpoints, mouth corners, chin, nose tip "
                       "and eyelids), or pick the mesh that holds the face")


@dataclass(frozen=True)
class FoundLandmarks:
    """points: landmark name (template.landmarks.LANDMARK_NAMES) -> (3,) on the character's surface, in the
    mesh's own coordinates; method: "detected" or "geometric"; rotation, centre: the character's canonical
    frame, canonical = (point - centre) @ rotation.T (Z up, face toward -Y, left +X, like the default head);
    confidence in [0, 1]; warnings: what the user should check."""

    points: dict[str, np.ndarray]
    method: str
    rotation: np.ndarray
    centre: np.ndarray
    confidence: float
    warnings: list[str] = field(default_factory=list)


def find_character_landmarks(mesh: MeshData, use_detector: bool = True,
                             progress: Callable[[float, str], None] | None = None) -> FoundLandmarks:
    """Landmarks on `mesh` (a head, or a standing figure whose head is found first), whatever its axes,
    rotation and scale. Raises NoFaceFound (a LipwrightError saying "no face found: ...") when the mesh
    shows no face, and MeshError, before any rendering, when it is too large or no connected surface.
    progress(fraction, stage) is called between stages (it may raise to stop the work there)."""
    report_stage = progress or (lambda fraction, stage: None)
    mesh = check_character_mesh(mesh, min_vertices=4)
    region = head_region(mesh)
    if region is not None:  # a full-body figure: only its head is oriented and searched (same coordinates)
        mesh = vertex_submesh(mesh, region)
    report_stage(0.05, "orienting: finding which way the face looks")
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    triangles = triangulate(mesh)
    if len(triangles) == 0 or len(vertices) < 4:
        raise NoFaceFound(f"no face found: the mesh has no surface; {HAND_PLACEMENT_HINT}")
    orientations = find_orientation(mesh, count=_ORIENTATIONS_TRIED)
    warnings: list[str] = []
    if use_detector:
        try:
            for number, orientation in enumerate(orientations):
                report_stage(0.2 + 0.6 * number / len(orientations),
                             f"rendering the face and detecting landmarks (view {number + 1} of {len(orientations)})")
                found = _detected(vertices, triangles, orientation)
                if found is not None:
                    return found
            warnings.append("the face detector found no face on the character's pictures")
        except DetectorMissing:
            warnings.append(f"the face detector is not installed: {INSTALL_HINT}")
    report_stage(0.85, "guessing landmarks from the shape")
    reasons = []
    for orientation in orientations:
        try:
            guess = guess_landmarks(orientation.to_canonical(vertices), triangles)
        except NoFaceFound as error:
            reasons.append(str(error).removeprefix("no face found: "))
            continue
        return FoundLandmarks(points=_to_original(guess.points, orientation), method="geometric",
                              rotation=orientation.rotation, centre=orientation.centre, confidence=guess.confidence,
                              warnings=guess.warnings + warnings)
    raise NoFaceFound(f"no face found: {reasons[0] if reasons else 'no view of the mesh looks like a face'}; "
                      f"{HAND_PLACEMENT_HINT}")


def _detected(vertices: np.ndarray, triangles: np.ndarray, orientation: Orientation) -> FoundLandmarks | None:
    canonical = orientation.to_canonical(vertices)
    render = render_front(canonical, triangles, size=_DETECT_PIXELS)
    pixels = detect_landmarks(render.image)
    if pixels is None:
        return None
    _lip_midpoints_onto_rims(render, pixels, np.ptp(canonical[:, 0]))
    names = list(pixels)
    points, _, _, hit = render.cast_on_outer_face(np.array([pixels[name] for name in names]),
                                                  np.ptp(canonical[:, 0]))
    if not hit.all():
        return None
    found = dict(zip(names, points))
    found["nose_tip"] = _most_frontal_near(render, pixels["nose_tip"], _NOSE_SEARCH * np.ptp(canonical[:, 0]))
    warnings = _refine_on_surface(found, canonical, triangles)
    # The detector marks the lips as they look; the template's lip landmarks are where the lips meet.
    found = where_lips_meet(canonical, triangles, found)
    return FoundLandmarks(points=_to_original(found, orientation), method="detected", rotation=orientation.rotation,
                          centre=orientation.centre, confidence=0.9, warnings=warnings)


def _lip_midpoints_onto_rims(render: FrontRender, pixels: dict[str, np.ndarray], head_width: float) -> None:
    """Moves a lip midpoint that the detector put inside an open mouth to its lip's rim (in place): the upper
    one up its column, the lower one down, to the first pixel of a surface well in front of the one it sees."""
    height, width = render.depth.shape
    reach = max(int(np.ceil(_RIM_SEARCH * head_width / render.pixel_size)), 1)
    for name, step in (("lip_upper_mid", -1), ("lip_lower_mid", 1)):
        column = int(np.clip(np.floor(pixels[name][0]), 0, width - 1))
        row = int(np.clip(np.floor(pixels[name][1]), 0, height - 1))
        rows = row + step * np.arange(1, reach + 1)
        rows = rows[(rows >= 0) & (rows < height)]
        in_front = np.flatnonzero(render.depth[rows, column] < render.depth[row, column] - _OPENING_DEPTH * head_width)
        if len(in_front):
            pixels[name] = np.array([pixels[name][0], rows[in_front[0]] + 0.5])


def _most_frontal_near(render: FrontRender, pixel: np.ndarray, radius: float) -> np.ndarray:
    """The detector marks the nose's tip by its look; the landmark is its most frontal point, close by."""
    reach = radius / render.pixel_size
    rows, columns = np.mgrid[0:render.depth.shape[0], 0:render.depth.shape[1]]
    near = ((columns + 0.5 - pixel[0]) ** 2 + (rows + 0.5 - pixel[1]) ** 2 <= reach ** 2) & np.isfinite(render.depth)
    if not near.any():
        return render.cast(pixel[None])[0][0]
    index = np.argmin(np.where(near, render.depth, np.inf))
    row, column = np.unravel_index(index, render.depth.shape)
    return render.cast(np.array([[column + 0.5, row + 0.5]]))[0][0]


def _refine_on_surface(found: dict[str, np.ndarray], canonical: np.ndarray, triangles: np.ndarray) -> list[str]:
    """Replaces detected landmarks with the surface's own where both agree (in place), never with one placed by
    proportion (on a 521-vertex face such a lid, 22% of the mouth width off, took the place of the detector's,
    11% off); warns where the lip seam rests on the detector alone."""
    try:
        guess: GeometricGuess = guess_landmarks(canonical, triangles)
    except NoFaceFound:
        guess = None
    mouth_width = np.linalg.norm(found["mouth_corner_left"] - found["mouth_corner_right"])
    unconfirmed = []
    for name in LANDMARK_NAMES:
        if (guess is not None and name not in guess.by_proportion
                and np.linalg.norm(guess.points[name] - found[name])
                < (_CHIN_AGREEMENT if name == "chin" else _AGREEMENT) * mouth_width):
            found[name] = guess.points[name]
        else:
            unconfirmed.append(name)
    seam = [name for name in unconfirmed if name.startswith(("lip_", "mouth_"))]
    if not seam:
        return []
    return [f"{', '.join(seam)} rest on the face detector alone (the surface's own creases did not confirm "
            "them): check them before fitting"]


def _to_original(points: dict[str, np.ndarray], orientation: Orientation) -> dict[str, np.ndarray]:
    return {name: orientation.to_original(points[name][None])[0] for name in LANDMARK_NAMES}
