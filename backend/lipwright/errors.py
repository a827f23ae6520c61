"""Errors whose message is meant for the user: what is wrong and what to do about it."""


class LipwrightError(Exception):
    """Base class; `str(error)` is shown to the user as it is, so it must name the fix."""


class AudioError(LipwrightError):
    """The audio cannot be used (empty, corrupt, silent, unsupported, too long)."""


class MeshError(LipwrightError):
    """The mesh cannot be used (no faces, NaN, too large, other topology)."""


class TranscriptError(LipwrightError):
    """The transcript cannot be aligned to the audio."""


class ModelError(LipwrightError):
    """A model is unknown or its weights cannot be loaded."""


class JobCancelled(LipwrightError):
    """Raised inside a job when the user cancelled it; not a failure."""
