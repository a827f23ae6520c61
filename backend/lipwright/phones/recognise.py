"""Find phones or words in speech without a transcript: pocketsphinx's allphone or word search."""

from __future__ import annotations

from ..audio.clip import AudioClip
from .decoders import SharedDecoder, pcm16, phone_recogniser, start_utterance, word_recogniser
from .pause_edges import trim_into_silence
from .phone import Phone, base_word, fill_timeline, is_filler, normalise_label


def recognise_phones(clip: AudioClip) -> list[Phone]:
    """Phones heard in `clip`, covering it from 0 to clip.seconds (silence and noise as 'SIL')."""
    shared = phone_recogniser()
    step = shared.frame_seconds
    # seg() frames are inclusive at both ends.
    phones = [Phone(normalise_label(word), first * step, (last + 1) * step)
              for word, first, last in decode_segments(shared, clip)]
    return fill_timeline(trim_into_silence(fill_timeline(phones, clip.seconds), clip), clip.seconds)


def recognise_words(clip: AudioClip) -> list[str]:
    """Dictionary words heard in `clip`, in order (fillers and silences dropped); may be empty."""
    return [base_word(name) for name, _, _ in decode_segments(word_recogniser(), clip) if not is_filler(name)]


def decode_segments(shared: SharedDecoder, clip: AudioClip) -> list[tuple[str, int, int]]:
    """(word, first frame, last frame) of each segment the decoder finds in the whole clip."""
    pcm = pcm16(clip, widen_narrowband=True)
    with shared.lock:
        decoder = shared.decoder
        start_utterance(decoder)
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        return [(segment.word, segment.start_frame, segment.end_frame) for segment in decoder.seg()]
