"""Phones next to a pause end where the sound does, not where the decoder let them run on."""

from __future__ import annotations

import numpy as np

from ..audio.clip import AudioClip
from ..audio.loudness import energy_envelope
from .phone import SILENCE, Phone

# Quieter than this below the clip's loud speech is a pause, not speech.
SPEECH_FLOOR_DB = 35.0
EDGE_MARGIN_SECONDS = 0.02


def trim_into_silence(timeline: list[Phone], clip: AudioClip) -> list[Phone]:
    """Recognisers and the aligner often stretch a pause's neighbour 0.1-0.5 s into the quiet of the
    pause, which moves the mouth in it; cut such a phone's edge that faces the pause back to the sound."""
    times, energy = energy_envelope(clip)
    if not len(energy):
        return timeline
    level = 10.0 * np.log10(energy + 1e-12)
    audible = times[level > np.percentile(level, 95) - SPEECH_FLOOR_DB]
    if not len(audible):
        return timeline
    trimmed = list(timeline)
    for i, phone in enumerate(timeline):
        if phone.label == SILENCE:
            continue
        start, end = phone.start, phone.end
        if i == 0 or timeline[i - 1].label == SILENCE:
            first = audible[np.searchsorted(audible, start)] if audible[-1] >= start else end
            start = min(max(start, first - EDGE_MARGIN_SECONDS), end)
        if i + 1 == len(timeline) or timeline[i + 1].label == SILENCE:
            before = audible[audible <= end]
            last = before[-1] if len(before) else start
            end = max(min(end, last + EDGE_MARGIN_SECONDS), start)
        trimmed[i] = Phone(phone.label, start, end)
    return [phone for phone in trimmed if phone.end > phone.start]
