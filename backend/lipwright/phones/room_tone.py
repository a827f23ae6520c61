"""Say when a line recorded with audible background noise is recognised by the phone search alone.

Room tone fills a stop's silent closure and masks its burst, and pocketsphinx's model was trained on clean
speech: with pink noise 25 dB under the voice's mean level (-45 dBFS), `fast` closed 0.54 of the development
voices' p/b/m instead of 0.73 and `accurate` 0.65 instead of 0.77, where recognition `network` kept 0.86 and a
transcript 0.99 (benchmarks/RESULTS.md, sessions 29 and 30). The user can do something about it, so say so."""

from __future__ import annotations

import numpy as np

from ..audio.clip import AudioClip
from ..audio.loudness import ABOVE_NOISE_DB, HOP_SECONDS, REFERENCE_PERCENTILE, energy_envelope, noise_floor_db

# A noise floor within this many dB of the voice warns; the voice is the 95th percentile of the 5 ms hops that
# clear the floor (some 5-8 dB over the speech's mean level). On the 24 development clips: pink or white noise at
# -45 dBFS (25 dB under the speech's mean) reads 29-37 dB and warns on all; at -55 dBFS (fast lost 0.05 of its
# closures there) 2 warn; at -65 dBFS, brown rumble (its level never holds still) and clean, none.
NOISY_WITHIN_DB = 40.0
# A floor this low is digital silence or 16-bit dither: clean, however little of the line is voice.
CLEAN_FLOOR_DB = -100.0
# Less voice than this over the floor is too little to judge.
SHORTEST_VOICE_SECONDS = 0.3


def room_tone_warning(clip: AudioClip) -> str | None:
    """A warning for a line recognised without a transcript by the phone search alone when it has audible
    steady background noise; None for a clean one (or one whose quiet never holds still: no floor to judge)."""
    _, energy = energy_envelope(clip)
    if not len(energy):
        return None
    level = 10.0 * np.log10(energy + 1e-12)
    floor = noise_floor_db(level)
    if floor is None or floor < CLEAN_FLOOR_DB:
        return None
    voice = level[level > floor + ABOVE_NOISE_DB]
    if len(voice) * HOP_SECONDS < SHORTEST_VOICE_SECONDS:
        return None
    under = float(np.percentile(voice, REFERENCE_PERCENTILE)) - floor
    if under >= NOISY_WITHIN_DB:
        return None
    return (f"The recording has audible background noise ({under:.0f} dB under the voice), which hides many "
            f"p, b and m closures from phone recognition. Give a transcript, or choose recognition 'network' "
            f"(it needs PyTorch), for surer lip closures.")
