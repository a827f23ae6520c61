"""Phones to ARKit face-unit weights per frame: viseme targets and coarticulation."""
