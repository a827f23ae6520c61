"""Lipwright backend: speech in, per-frame facial motion out."""

__version__ = "0.1.0"
