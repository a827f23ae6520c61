"""Find phones or words in speech without a transcript: pocketsphinx's allphone or word search."""

from __future__ import annotations

from ..audio.clip import AudioClip
from .decoders import pcm16, phone_recogniser, word_recogniser
from .phone import Phone, base_word, fill_timeline, is_filler, normalise_label


def recognise_phones(clip: AudioClip) -> list[Phone]:
    """Phones heard in `clip`, covering it from 0 to clip.seconds (silence and noise as 'SIL')."""
    shared = phone_recogniser()
    pcm = pcm16(clip)
    with shared.lock:
        decoder = shared.decoder
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        segments = [(segment.word, segment.start_frame, segment.end_frame) for segment in decoder.seg()]
    step = shared.frame_seconds
    # seg() frames are inclusive at both ends.
    phones = [Phone(normalise_label(word), first * step, (last + 1) * step) for word, first, last in segments]
    return fill_timeline(phones, clip.seconds)


def recognise_words(clip: AudioClip) -> list[str]:
    """Dictionary words heard in `clip`, in order (fillers and silences dropped); may be empty."""
    shared = word_recogniser()
    pcm = pcm16(clip)
    with shared.lock:
        decoder = shared.decoder
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        names = [segment.word for segment in decoder.seg()]
    return [base_word(name) for name in names if not is_filler(name)]
