"""Phones next to a pause end where the sound does, not where the decoder let them run on; and a long
quiet the decoder spanned with a phone is a pause."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from ..audio.clip import AudioClip
from ..audio.loudness import HOP_SECONDS, SPEECH_FLOOR_DB, energy_envelope, sound_threshold_db
from ..runs import joined_runs
from .phone import SILENCE, Phone

EDGE_MARGIN_SECONDS = 0.02
# Quiet this long is a pause whatever phone the decoder put over it: the longest stop closures of slow
# speech last about 0.2 s. (Under room tone the aligner may skip a pause's optional silence and stretch
# the next word's first phone across it.)
QUIET_PAUSE_SECONDS = 0.25
# A blip this short inside a quiet stretch (a click, a swing of rumble) does not end it, on the level averaged
# over 25 ms (which widens a 20 ms click to about 45 ms, and joins a formant synthesiser's quiet "the", loud in
# runs of 45-60 ms with a quiet hop between, into one loud run).
BLIP_SECONDS = 0.05
SMOOTHING_HOPS = 5


def trim_into_silence(timeline: list[Phone], clip: AudioClip) -> list[Phone]:
    """Recognisers and the aligner often stretch a pause's neighbour 0.1-0.5 s into the quiet of the
    pause, which moves the mouth in it; cut such a phone's edge that faces the pause back to the sound.
    A long quiet under a phone (the aligner skipped the pause) becomes a pause first. Quiet is judged
    against the clip's loud speech and its noise floor (audio/loudness.sound_threshold_db)."""
    times, energy = energy_envelope(clip)
    if not len(energy):
        return timeline
    level = 10.0 * np.log10(energy + 1e-12)
    threshold = sound_threshold_db(level, SPEECH_FLOOR_DB)
    audible = times[level > threshold]
    if not len(audible):
        return timeline
    # Long quiet is found on the level averaged over 25 ms (5 ms hops of a rumble swing 20 dB); the edges
    # are still trimmed hop by hop.
    smoothed = 10.0 * np.log10(uniform_filter1d(energy, SMOOTHING_HOPS, mode="nearest") + 1e-12)
    timeline = _quiet_as_pauses(timeline, times, smoothed > threshold)
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


def _quiet_as_pauses(timeline: list[Phone], times: np.ndarray, loud: np.ndarray) -> list[Phone]:
    """`timeline` with a pause over every run of quiet hops QUIET_PAUSE_SECONDS or longer (runs with a blip
    under BLIP_SECONDS between them are one), less EDGE_MARGIN_SECONDS at either end. A phone it overlaps
    keeps its longer part outside it (no phone lies on both sides of a pause); the rest is pause. A phone the
    quiet reaches from a pause it already faces is left to the edge trimming."""
    hop = HOP_SECONDS  # energy_envelope's hop
    # A blip inside the quiet does not end it.
    merged = joined_runs(~loud, int(np.ceil(BLIP_SECONDS / hop - 1e-9)))
    pauses = [(first, last) for first, last in merged if (last - first) * hop >= QUIET_PAUSE_SECONDS]
    for first, last in pauses:
        start, end = times[first] - hop / 2 + EDGE_MARGIN_SECONDS, times[last - 1] + hop / 2 - EDGE_MARGIN_SECONDS
        kept = []
        for i, phone in enumerate(timeline):
            if phone.label == SILENCE or phone.end <= start or phone.start >= end or _faces_pause(timeline, i, start, end):
                kept.append(phone)
                continue
            before, after = (phone.start, min(start, phone.end)), (max(end, phone.start), phone.end)
            longer = max(before, after, key=lambda part: part[1] - part[0])
            if longer[1] > longer[0]:
                kept.append(Phone(phone.label, *longer))
            rest = (phone.start, longer[0]) if longer == after else (longer[1], phone.end)
            if rest[1] > rest[0]:
                kept.append(Phone(SILENCE, *rest))
        timeline = sorted(kept, key=lambda p: p.start)
    return timeline


def _faces_pause(timeline: list[Phone], index: int, start: float, end: float) -> bool:
    """Whether the quiet [start, end) reaches the phone from the side where a pause already is: the edge
    trimming cuts that side back to its sound, hop by hop (a pause-initial b's quiet voicing stays a b)."""
    phone = timeline[index]
    after_pause = index == 0 or timeline[index - 1].label == SILENCE
    before_pause = index + 1 == len(timeline) or timeline[index + 1].label == SILENCE
    return (start <= phone.start and after_pause) or (end >= phone.end and before_pause)
