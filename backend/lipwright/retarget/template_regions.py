"""The parts of the default head the fit needs: its triangles, its face region, its inner mouth, its landmark points."""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from ..geometry.mesh import MeshData
from ..template.head_template import HeadTemplate

# A vertex belongs to the face when some face unit moves it by more than this share of that unit's largest motion.
_MOVED_SHARE = 0.02
# The inner mouth lies this far (metres) behind the mouth corners, between them, from chin to nose tip.
_INNER_MOUTH_DEPTH_M = 0.005


@dataclass(frozen=True)
class TemplateRegions:
    """triangles: (T, 3) the head's polygons fanned into triangles; face: (V,) bool, skin the face units move,
    without the inner mouth (what the surface fit matches); skin: (V,) bool; mouth_width: metres."""

    triangles: np.ndarray
    face: np.ndarray
    skin: np.ndarray
    inner_mouth: np.ndarray
    mouth_width: float


def triangulate(mesh: MeshData) -> np.ndarray:
    """Each polygon as a fan of triangles from its first corner: (T, 3) int64 vertex indices."""
    sizes = np.asarray(mesh.face_sizes, dtype=np.int64)
    corners = np.asarray(mesh.faces_flat, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    fans = sizes - 2
    polygon = np.repeat(np.arange(len(sizes)), fans)
    step = np.arange(fans.sum()) - np.repeat(np.cumsum(fans) - fans, fans)
    first = starts[polygon]
    return np.stack([corners[first], corners[first + step + 1], corners[first + step + 2]], axis=1)


_computed: dict[int, tuple[HeadTemplate, "TemplateRegions"]] = {}


def template_regions(template: HeadTemplate) -> TemplateRegions:
    """Computed once per loaded template (the template is immutable and kept in memory by its loader)."""
    known = _computed.get(id(template))
    if known is None or known[0] is not template:
        known = _computed[id(template)] = (template, _compute_regions(template))
    return known[1]


def _compute_regions(template: HeadTemplate) -> TemplateRegions:
    vertices = np.asarray(template.mesh.vertices, dtype=np.float64)
    movement = np.linalg.norm(template.targets, axis=2)
    share = (movement / np.maximum(movement.max(axis=1, keepdims=True), 1e-12)).max(axis=0)
    skin = np.zeros(len(vertices), dtype=bool)
    skin[template.parts["skin"]] = True
    landmarks = template.landmark_index
    corner = vertices[landmarks["mouth_corner_left"]]
    inner_mouth = (skin & (np.abs(vertices[:, 0]) < abs(corner[0]))
                   & (vertices[:, 2] > vertices[landmarks["chin"], 2])
                   & (vertices[:, 2] < vertices[landmarks["nose_tip"], 2])
                   & (vertices[:, 1] > corner[1] + _INNER_MOUTH_DEPTH_M))
    mouth_width = float(np.linalg.norm(vertices[landmarks["mouth_corner_left"]] - vertices[landmarks["mouth_corner_right"]]))
    return TemplateRegions(triangles=triangulate(template.mesh), face=skin & (share > _MOVED_SHARE) & ~inner_mouth,
                           skin=skin, inner_mouth=inner_mouth, mouth_width=mouth_width)


def landmark_points(template: HeadTemplate, names) -> np.ndarray:
    """(len(names), 3) rest positions of the named template landmarks."""
    return np.asarray(template.mesh.vertices, dtype=np.float64)[[template.landmark_index[n] for n in names]]
