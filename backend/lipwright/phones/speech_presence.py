"""Say when a clip holds little or no speech (music, noise, the wrong file), judged by what the
recogniser found in the clip's sound."""

from __future__ import annotations

import numpy as np

from ..audio.clip import AudioClip
from .phone import SILENCE, Phone

HOP_SECONDS = 0.01
# Sound is what lies within this many dB of the clip's loud part (its 95th percentile level).
SOUND_RANGE_DB = 30.0
# Measured on espeak-ng and flite (awb, rms) lines at 90-200 words a minute: recognised phones cover
# 0.78 or more of a spoken line's sound, at 4.6 or more phones a second of it. Melodies gave 0.3-0.63
# and 2-3 a second; steady noise, chords and drums next to nothing. Both must be low to warn.
MIN_SPEECH_SHARE = 0.7
MIN_PHONES_PER_SECOND = 4.0
MIN_SPEECH_SECONDS = 0.15


def little_speech_warning(clip: AudioClip, phones: list[Phone]) -> str | None:
    """A warning when the phones recognised in `clip` cover little of its sound; None for a spoken line."""
    spoken = [phone for phone in phones if phone.label != SILENCE]
    speech = sum(phone.duration for phone in spoken)
    sound = sound_seconds(clip)
    if speech < MIN_SPEECH_SECONDS:
        return (f"No speech was found in the audio ({sound:.1f} s of sound, none of it like speech): the face "
                f"stays near rest. Check it is the right file and that the voice is not buried in music or noise.")
    if sound > 1.0 and speech / sound < MIN_SPEECH_SHARE and len(spoken) / sound < MIN_PHONES_PER_SECOND:
        return (f"Little speech was found: {speech:.1f} s of the audio's {sound:.1f} s of sound sounds like "
                f"speech (music or noise?); the mouth may move where nobody speaks. A clean voice track, "
                f"or a transcript, animates better.")
    return None


def sound_seconds(clip: AudioClip) -> float:
    """Seconds of the clip within SOUND_RANGE_DB of its loud part."""
    hop = max(1, int(HOP_SECONDS * clip.sample_rate))
    n = len(clip.samples) // hop
    if n == 0:
        return 0.0
    energy = (clip.samples[: n * hop].astype(np.float64).reshape(n, hop) ** 2).mean(axis=1)
    level = 10.0 * np.log10(energy + 1e-12)
    loud = float(np.percentile(level, 95))
    return float(np.count_nonzero(level > loud - SOUND_RANGE_DB)) * hop / clip.sample_rate
