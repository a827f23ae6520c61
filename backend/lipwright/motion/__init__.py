"""Phones to ARKit face-unit weights per frame: viseme targets and coarticulation."""

from .arkit import ARKIT_INDEX, ARKIT_NAMES
from .coarticulation import phones_to_weights
from .visemes import VISEMES, Viseme, mouth_opening, viseme_for

__all__ = ["ARKIT_INDEX", "ARKIT_NAMES", "VISEMES", "Viseme", "mouth_opening", "phones_to_weights", "viseme_for"]
