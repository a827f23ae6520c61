"""Says how well the template fits the character: landmark and surface misses, where the fit is poor, folds at the mouth."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import trimesh

from ..errors import MeshError
from ..template.head_template import HeadTemplate
from .fit import TemplateFit
from .misplaced_landmarks import landmark_disagreements
from .template_regions import TemplateRegions

# Shares of the mouth width: a face vertex farther than POOR_SHARE from the character's surface is badly
# fitted; an area is reported when more than POOR_AREA_SHARE of its vertices are.
POOR_SHARE = 0.1
POOR_AREA_SHARE = 0.2
# When most of the face finds no surface near it, the mesh has no face where the landmarks say.
NO_FACE_SHARE = 0.5
# Triangles within this many mouth widths of the mouth's centre make the mouth region.
MOUTH_REGION_WIDTHS = 1.2
# A landmark the fit left farther than this from where it was placed (a share of the mouth width) was pulled
# off it: the surface and the other landmarks disagree with it. Good fits leave the lip midpoints, chin and
# nose within 4.3% (the chin of the head opened by jawOpen 0.35 moved by 24% of the mouth width: 9.3%); the
# corners of the stylised face's 45% wider mouth 9%, and eyelids found on an empty socket or by proportion 12%.
PULLED_SHARE = 0.06
PULLED_CORNER_SHARE = 0.12
PULLED_LID_SHARE = 0.15
# The lip midpoints the wrong way round: the upper one this far below the lower one.
SWAPPED_LIPS_SHARE = 0.02
_LIP_MIDPOINTS = ("lip_upper_mid", "lip_lower_mid")

class _Landmark(NamedTuple):
    area: str  # the area of the face it names (areas are made of the face vertices nearest each landmark)
    said: str  # the landmark in an animator's words (left and right are the character's own)
    where: str  # where it belongs


_LANDMARKS = {
    "lip_upper_mid": _Landmark("mouth", "upper lip's middle",
                               "the middle of the upper lip's edge, where the lips meet"),
    "lip_lower_mid": _Landmark("mouth", "lower lip's middle",
                               "the middle of the lower lip's edge, where the lips meet"),
    "mouth_corner_left": _Landmark("mouth", "left mouth corner", "the corner of the mouth, where the lips join"),
    "mouth_corner_right": _Landmark("mouth", "right mouth corner", "the corner of the mouth, where the lips join"),
    "chin": _Landmark("chin", "chin", "the front of the chin"),
    "nose_tip": _Landmark("nose", "nose tip", "the tip of the nose"),
    "upper_lid_left": _Landmark("left eye", "left upper eyelid", "the middle of the upper eyelid's edge"),
    "upper_lid_right": _Landmark("right eye", "right upper eyelid", "the middle of the upper eyelid's edge"),
    "lower_lid_left": _Landmark("left eye", "left lower eyelid", "the middle of the lower eyelid's edge"),
    "lower_lid_right": _Landmark("right eye", "right lower eyelid", "the middle of the lower eyelid's edge")}
_UNKNOWN = _Landmark("face", "", "its feature")


def _landmark(name: str) -> _Landmark:
    return _LANDMARKS.get(name, _UNKNOWN._replace(said=name))


@dataclass(frozen=True)
class FitReport:
    """Distances as shares of the template's mouth width (the same share on the character).
    landmark_errors: landmark name -> distance from the fitted template's landmark to the given one;
    surface_error_median / surface_error_p95: face vertices' distance to the character's surface;
    poor_areas: names of face areas that miss the surface; inverted_mouth_triangles: mouth-region
    triangles the fit turned over (folds); warnings: sentences for the user, each naming the place."""

    landmark_errors: dict[str, float]
    surface_error_median: float
    surface_error_p95: float
    poor_areas: tuple[str, ...]
    inverted_mouth_triangles: int
    warnings: tuple[str, ...] = field(default=())
    misplaced_landmarks: tuple[str, ...] = field(default=())
    landmark_disagreements: dict[str, float] = field(default_factory=dict)

    @property
    def is_poor(self) -> bool:
        return bool(self.poor_areas) or self.inverted_mouth_triangles > 0 or bool(self.misplaced_landmarks)


def report_fit(template: HeadTemplate, regions: TemplateRegions, fit: TemplateFit) -> FitReport:
    """Raises MeshError when the character has no face where the landmarks put it."""
    width = regions.mouth_width
    face = np.flatnonzero(regions.face)
    _, surface_distance, _ = trimesh.proximity.closest_point(fit.surface, fit.fitted[face])
    share = surface_distance / width
    if np.mean(share > POOR_SHARE) > NO_FACE_SHARE:
        raise MeshError(
            f"No face was found where the landmarks are: {np.mean(share > POOR_SHARE):.0%} of the default head's "
            "face lies far from the mesh's surface. Pick the mesh that holds the face, and check the landmarks "
            "sit on its lips, nose, chin and eyelids.")
    landmark_errors = {
        name: float(np.linalg.norm(fit.fitted[template.landmark_index[name]] - target) / width)
        for name, target in zip(fit.landmark_names, fit.landmark_targets)}
    disagreements, misplaced = landmark_disagreements(template, regions, fit)
    swapped = _lips_swapped(template, regions, fit, misplaced)
    if swapped:  # both midpoints are misplaced, and the swap says how
        misplaced = tuple(name for name in misplaced if name not in _LIP_MIDPOINTS)
    surface_poor = _poor_areas(template, fit.fitted, face, share)
    # A misplaced landmark's area comes first; the fit's misses elsewhere are most likely its echo.
    at_fault = (_LIP_MIDPOINTS if swapped else ()) + misplaced
    poor_areas = list(dict.fromkeys([_landmark(name).area for name in at_fault] + list(surface_poor)))
    inverted = _inverted_mouth_triangles(template, regions, fit.rest, fit.fitted)
    warnings = [_misplaced_sentence(name, disagreements[name]) for name in misplaced]
    if swapped:
        warnings.insert(0, "The lip midpoints look swapped: lip_upper_mid lies below lip_lower_mid. Put "
                           "lip_upper_mid on the upper lip's edge and lip_lower_mid on the lower lip's, then run "
                           "Fit again.")
    if surface_poor and at_fault:
        warnings.append(f"The fit is poor at the {', '.join(surface_poor)}, most likely because of the misplaced "
                        f"{_listed(at_fault)}: move {'it' if len(at_fault) == 1 else 'them'} first.")
    elif surface_poor:
        warnings.append(f"The fit is poor at the {', '.join(surface_poor)}: move the landmarks there onto the "
                        "features and fit again.")
    if not at_fault:  # else the fit's pulls elsewhere are the misplaced landmarks' echo
        for area, warning in _pulled_landmarks(landmark_errors):
            warnings.append(warning)
            if area not in poor_areas:
                poor_areas.append(area)
    if inverted:
        warnings.append(f"The fit folds {inverted} triangles around the mouth: check that the lip landmarks sit "
                        "on the seam between the lips and the corners at its ends.")
    return FitReport(landmark_errors=landmark_errors, surface_error_median=float(np.median(share)),
                     surface_error_p95=float(np.percentile(share, 95)), poor_areas=tuple(poor_areas),
                     inverted_mouth_triangles=inverted, warnings=tuple(warnings), misplaced_landmarks=misplaced,
                     landmark_disagreements=disagreements)


def _misplaced_sentence(name: str, share: float) -> str:
    said, where = _landmark(name).said, _landmark(name).where
    return (f"The {said} landmark ({name}) looks misplaced: it lies {share:.0%} of the mouth width from where the "
            f"other landmarks and the face's shape put it. Drag it back onto {where}, then run Fit again.")


def _listed(names: tuple[str, ...]) -> str:
    said = [f"{_landmark(name).said} landmark" for name in names]
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}"


def _lips_swapped(template: HeadTemplate, regions: TemplateRegions, fit: TemplateFit,
                  misplaced: tuple[str, ...]) -> bool:
    """Whether the lip midpoints were given the wrong way round: the upper one below the lower one, and, where
    either is misplaced, neither once exchanged (one midpoint moved past the other is that one misplaced)."""
    targets = dict(zip(fit.landmark_names, fit.landmark_targets))
    if targets["lip_upper_mid"][2] - targets["lip_lower_mid"][2] >= -SWAPPED_LIPS_SHARE * regions.mouth_width:
        return False
    if not set(misplaced) & set(_LIP_MIDPOINTS):
        return True
    rows = [fit.landmark_names.index(name) for name in _LIP_MIDPOINTS]
    exchanged = fit.landmark_targets.copy()
    exchanged[rows] = exchanged[rows[::-1]]
    _, misplaced_once_exchanged = landmark_disagreements(template, regions, replace(fit, landmark_targets=exchanged))
    return not set(misplaced_once_exchanged) & set(_LIP_MIDPOINTS)


def _pulled_landmarks(landmark_errors: dict[str, float]) -> list[tuple[str, str]]:
    """(area, sentence) for each landmark the fit left far from where it was placed."""
    problems = []
    for name, error in landmark_errors.items():
        bar = (PULLED_LID_SHARE if "lid" in name else PULLED_CORNER_SHARE if name.startswith("mouth_corner")
               else PULLED_SHARE)
        if error > bar:
            problems.append((_landmark(name).area,
                             f"The fit could not follow {name}: it stays {error:.0%} of the mouth width from where "
                             f"the landmark is. Check that {name} sits on its feature."))
    return problems


def inverted_triangles(rest: np.ndarray, fitted: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(T,) bool: the triangles whose normal the fit turned by more than a right angle."""
    def normals(vertices):
        corners = vertices[triangles]
        return np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    return np.einsum("ij,ij->i", normals(rest), normals(fitted)) < 0


def mouth_region_triangles(template: HeadTemplate, regions: TemplateRegions) -> np.ndarray:
    """(T,) bool: face triangles near the mouth (the inner mouth excluded: it only follows the lips)."""
    vertices = np.asarray(template.mesh.vertices, dtype=np.float64)
    landmarks = template.landmark_index
    centre = vertices[[landmarks[n] for n in ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left",
                                              "mouth_corner_right")]].mean(axis=0)
    near = np.linalg.norm(vertices - centre, axis=1) < MOUTH_REGION_WIDTHS * regions.mouth_width
    return (near & regions.face)[regions.triangles].all(axis=1)


def _inverted_mouth_triangles(template: HeadTemplate, regions: TemplateRegions, rest: np.ndarray,
                              fitted: np.ndarray) -> int:
    """rest: the template before the fit (opened like the character's mouth, whose own folds are not the fit's)."""
    mouth = mouth_region_triangles(template, regions)
    return int(inverted_triangles(rest, fitted, regions.triangles[mouth]).sum())


def _poor_areas(template: HeadTemplate, fitted: np.ndarray, face: np.ndarray, share: np.ndarray) -> tuple[str, ...]:
    names = [name for name in _LANDMARKS if name in template.landmark_index]
    rest = np.asarray(template.mesh.vertices, dtype=np.float64)
    anchors = rest[[template.landmark_index[n] for n in names]]
    nearest = np.argmin(np.linalg.norm(rest[face, None] - anchors[None], axis=2), axis=1)
    area_of = np.array([_LANDMARKS[names[i]].area for i in nearest])
    poor = []
    for area in dict.fromkeys(_LANDMARKS[n].area for n in names):
        inside = area_of == area
        if inside.any() and np.mean(share[inside] > POOR_SHARE) > POOR_AREA_SHARE:
            poor.append(area)
    return tuple(poor)
