"""Places a model's template on a user's mesh of the same topology, or says why it cannot."""

from __future__ import annotations

import numpy as np

from ..errors import MeshError
from .mesh import MeshData
from .similarity import Similarity, fit_similarity
from .topology import same_topology


# What a user can do instead; every face works through its shape keys.
_WHAT_TO_DO = (
    "Give the face shape keys (ARKit names such as jawOpen, or visemes such as AI, O, MBP) and bake with "
    "ARKit Keys: Lipwright maps its motion onto the keys the face has. Or use the default head (Add Lipwright head)."
)


def place_on_mesh(template: MeshData | np.ndarray, mesh: MeshData, model_name: str = "default") -> Similarity:
    """The similarity taking the template's rest vertices onto `mesh` (its Basis), vertex for vertex.

    template: MeshData (vertex count and polygons are checked) or (V, 3) rest vertices (count only)."""
    template_vertices = template.vertices if isinstance(template, MeshData) else np.asarray(template)
    if mesh.vertex_count != len(template_vertices):
        raise MeshError(
            f"The mesh has {mesh.vertex_count} vertices but the {model_name} template has {len(template_vertices)}, "
            f"so the model's vertex motion cannot be carried over to it. {_WHAT_TO_DO}"
        )
    if isinstance(template, MeshData) and not same_topology(template, mesh):
        raise MeshError(
            f"The mesh has as many vertices as the {model_name} template ({mesh.vertex_count}) but different "
            f"polygons (or vertex order), so the model's vertex motion cannot be carried over to it. {_WHAT_TO_DO}"
        )
    return fit_similarity(template_vertices, mesh.vertices)
