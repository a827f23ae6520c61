"""Prepares a character once: fit the default head to it, place its vertices on the fit, make its 52 ARKit targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from ..errors import MeshError
from ..geometry.mesh import MeshData
from ..template import load_default_head
from ..template.head_template import HeadTemplate
from .correspondence import Correspondence, find_correspondence
from .deformation_frames import template_vertex_frames
from .fit import fit_template
from .fit_report import FitReport, report_fit
from .inputs import check_character_mesh
from .template_regions import template_regions
from .transfer import transfer_targets
from .untangle import untangle_targets


@dataclass(frozen=True)
class PreparedCharacter:
    """correspondence: each character vertex's place on the fitted template; targets: (52, Vchar, 3) float32
    shape-key offsets in `target_names` (ARKit) order, in the character's own space; report: how good the
    fit is; fitted_template: (Vtemplate, 3) the fitted default head in the character's space."""

    correspondence: Correspondence
    targets: np.ndarray
    target_names: tuple[str, ...]
    report: FitReport
    fitted_template: np.ndarray


def prepare_character(mesh: MeshData, landmarks: Mapping[str, object], template: HeadTemplate | None = None,
                      parts: tuple[str, ...] = ("skin",),
                      progress: Callable[[float, str], None] | None = None) -> PreparedCharacter:
    """mesh: the character (its Basis, any topology, 100 to 250,000 vertices); landmarks: template landmark
    name (template.landmarks.LANDMARK_NAMES) -> (3,) point on the character; parts: the template parts the
    mesh holds (skin; add upper_teeth, lower_teeth, tongue, eye_left, eye_right when they are in the same
    mesh), so its vertices only take motion from those. Raises MeshError for unusable meshes or landmarks,
    before any long work where it can. progress(fraction, stage) is called between stages (it may raise to
    stop the work there)."""
    report_stage = progress or (lambda fraction, stage: None)
    mesh = check_character_mesh(mesh)
    template = template or load_default_head()
    regions = template_regions(template)
    report_stage(0.05, "fitting the default head to the landmarks")
    fit = fit_template(template, mesh, landmarks)
    report = report_fit(template, regions, fit)
    report_stage(0.6, "placing the character's vertices on the fit (correspondence)")
    rest = np.asarray(fit.rest, dtype=np.float64)  # the template as fitted: opened alike for an open mouth
    frames = template_vertex_frames(rest, fit.fitted, regions.triangles, fit.similarity)
    allowed = _triangles_of_parts(template, regions, parts)
    correspondence = find_correspondence(fit.fitted, regions.triangles, np.asarray(fit.character.vertices),
                                         np.asarray(fit.character.vertex_normals), frames, allowed_triangles=allowed)
    report_stage(0.85, "making the 52 ARKit shape keys")
    # The jaw and mouth keys (those that carry the skin far); the eye keys keep what transfer made.
    mouth_units = [i for i, name in enumerate(template.target_names) if name.startswith(("jaw", "mouth"))]
    # Each vertex's offset off the fitted surface goes back with it onto the (opened) rest: a remeshed vertex
    # sits a fraction of a millimetre off, and without it an open mouth's lips were smoothed 4-13% of the mouth
    # width off the head's motion for folds the head's own motion makes there.
    off_surface = np.asarray(fit.character.vertices) - correspondence.sample(np.asarray(fit.fitted, dtype=np.float64))
    targets = untangle_targets(transfer_targets(template.targets, correspondence), mouth_units, mesh.vertices,
                               fit.character.faces, fit.similarity.scale, correspondence, rest, template.targets,
                               off_surface)
    return PreparedCharacter(
        correspondence=correspondence,
        targets=targets,
        target_names=tuple(template.target_names),
        report=report,
        fitted_template=fit.similarity.map_points(fit.fitted).astype(np.float32),
    )


def _triangles_of_parts(template: HeadTemplate, regions, parts: tuple[str, ...]) -> np.ndarray:
    unknown = sorted(set(parts) - set(template.parts))
    if unknown or not parts:
        raise MeshError(f"Unknown template parts {unknown or list(parts)}: choose from {sorted(template.parts)}.")
    inside = np.zeros(template.vertex_count, dtype=bool)
    for name in parts:
        inside[template.parts[name]] = True
    return np.flatnonzero(inside[regions.triangles].all(axis=1))
