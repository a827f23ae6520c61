"""A line as every model hears it: its cut peaks rebuilt, at 16 kHz, without mains hum."""

from __future__ import annotations

from .clip import AudioClip, samples_at
from .declip import declipped
from .hum import without_hum

HEARING_RATE = 16000  # the phone search's acoustic model and every shipped network's encoder hear 16 kHz


def heard_line(clip: AudioClip) -> AudioClip:
    """`clip` with its cut peaks rebuilt (a clip from a file already has them rebuilt at the file's rate; one
    handed over directly, at its own), resampled to HEARING_RATE once for every step after (a 48 kHz line is
    not searched, dereverberated and measured at three times the cost), and its mains hum taken out (a tone
    through the pauses reads as sound to the pause edges, and cost the shipped networks 0.13-0.20 of their
    closures on the development voices: they trained on clean rooms)."""
    clip = declipped(clip)
    return without_hum(AudioClip(samples_at(clip, HEARING_RATE), HEARING_RATE, clip.warnings))
