"""The prepared default head: mesh, 52 ARKit targets, landmarks and regions, in metres, Z-up, facing -Y."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.mesh import MeshData


@dataclass(frozen=True)
class HeadTemplate:
    """mesh: rest shape; targets: (52, vertices, 3) float32 offsets at weight 1, in `target_names` (ARKit) order;
    landmark_index: landmark name -> vertex index; lip_vertices: the lip region (for LVE);
    upper_face_vertices: eyelids, brows, forehead (for FDD); parts: part name (skin, upper_teeth,
    lower_teeth, tongue, eye_left, eye_right) -> its vertex indices."""

    mesh: MeshData
    targets: np.ndarray
    target_names: tuple[str, ...]
    landmark_index: dict[str, int]
    lip_vertices: np.ndarray
    upper_face_vertices: np.ndarray
    parts: dict[str, np.ndarray]

    @property
    def vertex_count(self) -> int:
        return self.mesh.vertex_count

    def posed(self, weights: dict[str, float]) -> np.ndarray:
        """Rest vertices plus Σ weight × target for the named units: (vertices, 3) float32."""
        vertices = self.mesh.vertices.astype(np.float32).copy()
        for name, weight in weights.items():
            vertices += np.float32(weight) * self.targets[self.target_names.index(name)]
        return vertices
