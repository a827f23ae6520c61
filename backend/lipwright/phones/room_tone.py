"""Say when a line recorded with audible background noise is recognised by the phone search alone.

Room tone fills a stop's silent closure and masks its burst, and pocketsphinx's model was trained on clean
speech: with pink noise 25-35 dB under the voice, `fast` closed 0.55 of the development voices' p/b/m
instead of 0.72 and `accurate` 0.66 instead of 0.75, where recognition `network` kept 0.88 and a transcript
0.99 (benchmarks/RESULTS.md, "Lip sync under a recording's room tone"). The user can do something about it,
so say so."""

from __future__ import annotations

import numpy as np

from ..audio.clip import AudioClip
from ..audio.loudness import REFERENCE_PERCENTILE, energy_envelope, noise_floor_db

# A noise floor within this many dB of the loud speech warns (the loud level is the 95th percentile of 5 ms
# hops, some 5-8 dB over the speech's mean level). The development clips measured 29-36 dB under pink or
# white noise at -45 dBFS, 39-46 dB at -55 dBFS (fast lost 0.05 of its closures there), 48-56 dB at -65 dBFS
# and over 100 dB when clean.
NOISY_WITHIN_DB = 40.0


def room_tone_warning(clip: AudioClip) -> str | None:
    """A warning for a line recognised without a transcript by the phone search alone when it has audible
    steady background noise; None for a clean one (or one whose quiet never holds still: no floor to judge)."""
    _, energy = energy_envelope(clip)
    if not len(energy):
        return None
    level = 10.0 * np.log10(energy + 1e-12)
    floor = noise_floor_db(level)
    if floor is None:
        return None
    under = float(np.percentile(level, REFERENCE_PERCENTILE)) - floor
    if under >= NOISY_WITHIN_DB:
        return None
    return (f"The recording has audible background noise ({under:.0f} dB under the voice), which hides many "
            f"p, b and m closures from phone recognition. Give a transcript, or choose recognition 'network' "
            f"(it needs PyTorch), for surer lip closures.")
