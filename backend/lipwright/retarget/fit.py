"""Registers the default head onto a character from landmarks: similarity, thin-plate warp, non-rigid surface fit.

Everything is solved in the template's own space (metres, Z up, facing -Y): the character is brought there by
the inverse of the landmark similarity, so sizes and thresholds mean the same for every character."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import trimesh

from ..errors import MeshError
from ..geometry.mesh import MeshData
from ..geometry.similarity import Similarity
from ..template.head_template import HeadTemplate
from .correspondence import closest_points_on_triangles
from .inputs import check_landmarks
from .landmark_warp import LOCAL_REACH_M, landmark_similarity, thin_plate_warp
from .mouth_opening import rest_jaw_opening
from .surface_fit import fit_face_surface, fitting_surface
from .template_regions import landmark_points, template_regions, triangulate

# A landmark this far from the surface (a share of the mouth width) was not placed on this mesh.
MAX_LANDMARK_GAP_SHARE = 0.25
# Landmarks that shape only the template around them (landmark_warp.thin_plate_warp): the eyelids, far from
# the lips and the least sure of all (an eye socket without its eyeball has no lid edge to find).
LOCAL_LANDMARKS = ("upper_lid_left", "upper_lid_right", "lower_lid_left", "lower_lid_right")
# On an open mouth they reach half as far (landmark_warp.LOCAL_REACH_M): from an open rest mouthClose turns the
# lower lip steeply (3.2 mouth widths per mouth width along it), and lids placed by proportion (19% of the mouth
# width off on the head opened by jawOpen 0.7), reaching the mouth corners by 5%, carried it 13.6% off (6.9% at
# half the reach; 4.6% without lids). A shut face keeps the full reach: at half, the stylised face's big eyes
# pulled its mouthFunnel into 2 more folds.
OPEN_LOCAL_REACH_M = LOCAL_REACH_M / 2
# The lower lip's midpoint is sure across the lip's crest (its height, the midline) but not along it, front to
# back (the upper one is the edge of the lip's overhang, sharp both ways): a coarse mesh's crest is a corner of
# its section, which quadric decimation puts where the planes beside it meet (on the default head decimated to
# half, 0.67 mm behind and 0.17 mm above the head's own). Pinned there,
# the warp slid the template's lip over the character's and stretched it front to back by 13%, and the lower
# lip's motion with it (2.8% of the mouth width off). It slides along its crest, within MAX_SLIDE_SHARE of
# the mouth width (SLIDE_STEPS tries each way), to where the template's own midline profile (its vertices within
# PROFILE_REACH_M) lies best on the character's surface. (Sliding to where the landmark warp bends least
# instead moved a stylised face's exact lip landmarks 2.2% of the mouth width, and its mouth keys folded; the
# upper midpoint sliding too moved a 950-vertex face's exact one 1.4%, and its lips 2.3% off.)
MAX_SLIDE_SHARE = 0.03
PROFILE_REACH_M = 0.003
SLIDE_STEPS = 15
# name: (MAX_SLIDE_SHARE, PROFILE_REACH_M) of each landmark that slides on a shut mouth.
SLIDING_LANDMARKS = {"lip_lower_mid": (MAX_SLIDE_SHARE, PROFILE_REACH_M)}
# An open mouth's chin slides too, along the midline over the chin's profile from the lower lip's front down
# (its vertices within 12 mm): the chin is found where it faces down by 45 degrees plus the jaw's turn, read
# from the lips' gap, and on an open jaw's flat chin a degree of that turn is a millimetre along the surface.
OPEN_SLIDING_LANDMARKS = {**SLIDING_LANDMARKS, "chin": (0.08, 0.012)}


@dataclass(frozen=True)
class TemplateFit:
    """similarity: template space -> character space; rest: (Vtemplate, 3) the template before the fit, opened
    by jaw_open (its jawOpen weight, 0 for a closed mouth) to the character's mouth; fitted: (Vtemplate, 3) the
    template fitted to the character, in template space; character: the character's triangles in template
    space, outward facing;
    landmark_names with landmark_targets: (n, 3) the given landmarks in template space."""

    similarity: Similarity
    rest: np.ndarray
    jaw_open: float
    fitted: np.ndarray
    character: trimesh.Trimesh
    surface: trimesh.Trimesh
    landmark_names: tuple[str, ...]
    landmark_targets: np.ndarray


def fit_template(template: HeadTemplate, mesh: MeshData, landmarks: Mapping[str, object]) -> TemplateFit:
    regions = template_regions(template)
    points = check_landmarks(landmarks, tuple(template.landmark_index))
    names = [name for name in template.landmark_index if name in points]
    character_points = np.stack([points[name] for name in names])
    # An open-mouthed character is fitted by the head opened alike (mouth_opening says why).
    jaw = np.asarray(template.targets[template.target_names.index("jawOpen")], dtype=np.float64)
    landmark_vertices = np.array([template.landmark_index[name] for name in names])
    # Read without the lids: placed by proportion (19% of the mouth width off on the head opened by 0.7), they
    # scaled the similarity, and the gap read 0.66 for 0.7.
    sure = [row for row, name in enumerate(names) if name not in LOCAL_LANDMARKS]
    sure_names = [names[row] for row in sure]
    jaw_open = rest_jaw_opening(landmark_points(template, sure_names), jaw[landmark_vertices[sure]],
                                character_points[sure], sure_names.index("lip_upper_mid"),
                                sure_names.index("lip_lower_mid"))  # both required
    rest = np.asarray(template.mesh.vertices, dtype=np.float64) + jaw_open * jaw
    template_points = rest[landmark_vertices]
    similarity = landmark_similarity(template_points, character_points, names, regions.mouth_width)
    to_template = similarity.inverse()
    landmark_targets = to_template.map_points(character_points)

    character = _character_in_template_space(mesh, to_template)
    # Dense characters are searched on a decimated copy: building a search tree over 400,000 triangles took
    # longer than the whole fit.
    surface = fitting_surface(character)
    _landmarks_on_surface(surface, landmark_targets, names, regions.mouth_width)
    local = np.array([name in LOCAL_LANDMARKS for name in names])
    if _inside_out(surface, thin_plate_warp(template_points, landmark_targets, rest, local=local), regions.triangles,
                   regions.face):
        character.invert()
        if surface is not character:
            surface.invert()
    # An open mouth's lower lip slides too: lip_contact finds its top turned forward by the jaw's turn, which on
    # the head opened by 0.7 and decimated lies 3.1% of the mouth width up and back along the lip from the
    # head's own (pinned there, mouthClose carried 10.7% off; slid, with the chin, 6.0%).
    sliding = OPEN_SLIDING_LANDMARKS if jaw_open > 0.0 else SLIDING_LANDMARKS
    aimed = _slid_along_crests(rest, regions, landmark_vertices, names, landmark_targets, surface, sliding)
    warped = thin_plate_warp(template_points, aimed, rest, local=local,
                             local_reach=OPEN_LOCAL_REACH_M if jaw_open > 0.0 else LOCAL_REACH_M)
    fitted = fit_face_surface(warped, regions.triangles, regions.face, surface, landmark_vertices, aimed)
    return TemplateFit(similarity=similarity, rest=rest, jaw_open=jaw_open, fitted=fitted, character=character,
                       surface=surface, landmark_names=tuple(names), landmark_targets=landmark_targets)


def _slid_along_crests(rest: np.ndarray, regions, landmark_vertices: np.ndarray, names: list[str],
                       targets: np.ndarray, surface: trimesh.Trimesh,
                       sliding: dict[str, tuple[float, float]]) -> np.ndarray:
    """The landmark targets with those in `sliding` (name -> (the farthest slide, a share of the mouth width;
    the profile's reach, metres)) slid along their crest to where the template's own midline profile there
    (its vertices within the reach, facing as the landmark's) lies best on the character's surface. A crest's
    direction is the template's: across its normal, in X = 0."""
    normals = trimesh.Trimesh(rest, regions.triangles, process=False).vertex_normals
    vertices, faces = np.asarray(surface.vertices), np.asarray(surface.faces)
    slid = targets.copy()
    for row in np.flatnonzero(np.isin(names, list(sliding))):
        share, reach = sliding[names[row]]
        steps = np.linspace(-share * regions.mouth_width, share * regions.mouth_width, 2 * SLIDE_STEPS + 1)
        vertex = landmark_vertices[row]
        along = np.cross([1.0, 0.0, 0.0], normals[vertex])
        along /= max(float(np.linalg.norm(along)), 1e-12)
        profile = np.flatnonzero((np.abs(rest[:, 0] - rest[vertex, 0]) < reach / 4)
                                 & (np.linalg.norm(rest - rest[vertex], axis=1) < reach)
                                 & (normals @ normals[vertex] > 0.0))
        offsets = rest[profile] - rest[vertex]
        # Each try places the profile with its landmark at the target moved along the crest, and at the
        # height (along the normal) where it lies best; the height found is not kept, the landmark's is.
        placed = targets[row] + offsets[None] + steps[:, None, None] * along
        on, _, _ = closest_points_on_triangles(vertices, faces, placed.reshape(-1, 3),
                                               np.tile(normals[profile], (len(steps), 1)))
        gaps = (on.reshape(placed.shape) - placed)
        lift = gaps @ normals[vertex]
        misses = np.linalg.norm(gaps - (lift.mean(axis=1)[:, None, None] * normals[vertex]), axis=2)
        best = steps[int(np.argmin((misses ** 2).mean(axis=1)))]
        slid[row] = targets[row] + best * along
    moved = np.flatnonzero(np.any(slid != targets, axis=1))
    if len(moved):  # following the surface (on the lip facing as the template's does, not the other one)
        before, after = (closest_points_on_triangles(vertices, faces, points, normals[landmark_vertices[moved]])[0]
                         for points in (targets[moved], slid[moved]))
        slid[moved] = after + (targets[moved] - before)  # as far off it as the landmark was given
    return slid


def _character_in_template_space(mesh: MeshData, to_template: Similarity) -> trimesh.Trimesh:
    triangles = triangulate(mesh)
    if to_template.is_reflection:  # a mirror turns the polygons inside out; turn them back
        triangles = triangles[:, ::-1]
    vertices = to_template.map_points(np.asarray(mesh.vertices, dtype=np.float64))
    return trimesh.Trimesh(vertices, triangles, process=False)


def _landmarks_on_surface(character: trimesh.Trimesh, points: np.ndarray, names: list[str], width: float) -> None:
    _, distance, _ = trimesh.proximity.closest_point(character, points)
    off = [f"{name} ({gap / width:.1f} mouth widths)" for name, gap in zip(names, distance)
           if gap > MAX_LANDMARK_GAP_SHARE * width]
    if off:
        raise MeshError(f"Landmarks lie off the mesh's surface: {', '.join(off)}. Either this mesh holds no face "
                        "where the landmarks are, or they were placed for another object: place them on this "
                        "mesh's lips, nose, chin and eyelids.")


def _inside_out(character: trimesh.Trimesh, warped: np.ndarray, triangles: np.ndarray, face: np.ndarray) -> bool:
    """Whether the character's normals face into the head (an inside-out export), judged where the warped
    template's face lies on it."""
    placed = trimesh.Trimesh(warped, triangles[face[triangles].all(axis=1)], process=False)
    samples = np.unique(placed.faces)[::7]
    _, _, nearest_triangle = trimesh.proximity.closest_point(character, warped[samples])
    agreement = np.einsum("ij,ij->i", character.face_normals[nearest_triangle], placed.vertex_normals[samples])
    return bool(np.median(agreement) < 0)
