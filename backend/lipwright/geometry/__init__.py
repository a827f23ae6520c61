"""Mesh checks and geometry shared by models: validation, topology, similarity fits."""
