"""A polygon mesh as plain arrays, laid out as Blender stores it (loops per polygon)."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MeshData:
    """vertices: (V, 3) float32; faces_flat: (L,) int32 vertex index of each loop;
    face_sizes: (F,) int32 loops per polygon (sum == L)."""

    vertices: np.ndarray
    faces_flat: np.ndarray
    face_sizes: np.ndarray

    @property
    def vertex_count(self) -> int:
        return int(self.vertices.shape[0])
