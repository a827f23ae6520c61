"""Mesh checks and geometry shared by models: validation, topology, similarity fits."""

from .mesh import MeshData
from .placement import place_on_mesh
from .similarity import Similarity, fit_similarity
from .topology import same_topology
from .validate import validate_mesh

__all__ = ["MeshData", "Similarity", "fit_similarity", "place_on_mesh", "same_topology", "validate_mesh"]
