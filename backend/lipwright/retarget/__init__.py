"""Carries the default head's motion onto faces of any topology: fit, correspondence, shape-key transfer."""
