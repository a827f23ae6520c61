"""Find phones or words in speech without a transcript: pocketsphinx's allphone or word search."""

from __future__ import annotations

import numpy as np

from ..audio.clip import AudioClip
from ..audio.loudness import energy_envelope
from .decoders import SharedDecoder, pcm16, start_utterance, phone_recogniser, word_recogniser
from .phone import SILENCE, Phone, base_word, fill_timeline, is_filler, normalise_label


def recognise_phones(clip: AudioClip) -> list[Phone]:
    """Phones heard in `clip`, covering it from 0 to clip.seconds (silence and noise as 'SIL')."""
    shared = phone_recogniser()
    step = shared.frame_seconds
    # seg() frames are inclusive at both ends.
    phones = [Phone(normalise_label(word), first * step, (last + 1) * step)
              for word, first, last in _decode(shared, clip)]
    return fill_timeline(_trim_into_silence(fill_timeline(phones, clip.seconds), clip), clip.seconds)


def recognise_words(clip: AudioClip) -> list[str]:
    """Dictionary words heard in `clip`, in order (fillers and silences dropped); may be empty."""
    return [base_word(name) for name, _, _ in _decode(word_recogniser(), clip) if not is_filler(name)]


def _decode(shared: SharedDecoder, clip: AudioClip) -> list[tuple[str, int, int]]:
    """(word, first frame, last frame) of each segment the decoder finds in the whole clip."""
    pcm = pcm16(clip)
    with shared.lock:
        decoder = shared.decoder
        start_utterance(decoder)
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        return [(segment.word, segment.start_frame, segment.end_frame) for segment in decoder.seg()]


# Quieter than this below the clip's loud speech is a pause, not speech.
SPEECH_FLOOR_DB = 35.0
EDGE_MARGIN_SECONDS = 0.02


def _trim_into_silence(timeline: list[Phone], clip: AudioClip) -> list[Phone]:
    """The phone search often stretches a pause's neighbour 0.1-0.3 s into the quiet of the pause,
    which opens the mouth early; cut such a phone's edge that faces the pause back to the sound."""
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
