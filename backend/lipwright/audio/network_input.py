"""A line as the trained networks hear it: 16 kHz, its cut peaks rebuilt, without mains hum."""

from __future__ import annotations

import numpy as np

from .clip import AudioClip, samples_at
from .declip import declipped
from .hum import without_hum

NETWORK_RATE = 16000  # every shipped network's encoder hears 16 kHz


def heard_by_networks(clip: AudioClip) -> np.ndarray:
    """(samples,) float32 at NETWORK_RATE: the clip's cut peaks rebuilt (a clip from a file already has them
    rebuilt at the file's rate; one handed over directly, at its own), resampled, its mains hum taken out
    (a tone through the pauses cost the shipped networks 0.13-0.20 of their closures on the development
    voices; they trained on clean rooms)."""
    clip = declipped(clip)
    clip = AudioClip(samples_at(clip, NETWORK_RATE), NETWORK_RATE, clip.warnings)
    return np.asarray(without_hum(clip).samples, dtype=np.float32)
