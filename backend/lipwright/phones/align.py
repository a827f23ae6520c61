"""Align a transcript to speech: pocketsphinx word alignment, then phone alignment inside it."""

from __future__ import annotations

from ..audio.clip import AudioClip
from ..errors import TranscriptError
from .decoders import SharedDecoder, aligner, pcm16
from .phone import Phone, base_word, fill_timeline, is_filler, normalise_label
from .transcript import transcript_words


class AlignmentFailed(TranscriptError):
    """The words are fine but do not fit the audio; recognition may still animate it."""


def align_phones(clip: AudioClip, transcript: str) -> list[Phone]:
    """Phones of `transcript` timed against `clip`, covering it from 0 to clip.seconds.

    Raises TranscriptError for words the dictionary lacks, AlignmentFailed when the words do not
    fit the audio."""
    phones, _ = align_phones_with_warnings(clip, transcript)
    return phones


def align_phones_with_warnings(clip: AudioClip, transcript: str) -> tuple[list[Phone], list[str]]:
    """align_phones, plus warnings (phone timing estimated inside words when phone alignment failed)."""
    return align_words_with_warnings(clip, transcript_words(transcript, aligner().decoder.lookup_word))


def align_words_with_warnings(clip: AudioClip, words: list[str]) -> tuple[list[Phone], list[str]]:
    """align_phones_with_warnings for words already in the dictionary (a transcript's, or recognised ones)."""
    shared = aligner()
    pcm = pcm16(clip)
    with shared.lock:
        word_spans = _align_words(shared, pcm, words)
        try:
            phones = _align_phones_inside_words(shared, pcm)
            warnings: list[str] = []
        except RuntimeError:
            # pocketsphinx sometimes loses the phone-level path ("Alignment failed in frame N")
            # after the word pass worked; word timing is still good, so spread each word's phones
            # over its span rather than throwing the transcript away.
            phones = _spread_phones_over_words(shared, word_spans)
            warnings = ["Phone-level alignment failed; phone timing inside each word is estimated."]
    return fill_timeline(phones, clip.seconds), warnings


def _align_words(shared: SharedDecoder, pcm: bytes, words: list[str]) -> list[tuple[str, float, float]]:
    decoder = shared.decoder
    step = shared.frame_seconds
    failure = AlignmentFailed(
        "The transcript could not be aligned to the audio: it does not seem to match what is said "
        "(or the audio is too short for it). Check the transcript is this line's words, in order."
    )
    try:
        decoder.set_align_text(" ".join(words))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        segments = decoder.seg()
    except RuntimeError:
        raise failure from None
    if segments is None:
        raise failure
    spans = [
        (base_word(segment.word), segment.start_frame * step, (segment.end_frame + 1) * step)
        for segment in segments
        if not is_filler(segment.word)
    ]
    # A search that ran out of audio can end early with a partial path; only the whole
    # transcript, in order, counts as an alignment.
    if [word for word, _, _ in spans] != words:
        raise failure
    return spans


def _align_phones_inside_words(shared: SharedDecoder, pcm: bytes) -> list[Phone]:
    decoder = shared.decoder
    step = shared.frame_seconds
    decoder.set_alignment()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    alignment = decoder.get_alignment()
    if alignment is None:
        raise RuntimeError("no phone alignment")
    return [
        Phone(normalise_label(phone.name), phone.start * step, (phone.start + phone.duration) * step)
        for word in alignment
        for phone in word
    ]


def _spread_phones_over_words(shared: SharedDecoder, spans: list[tuple[str, float, float]]) -> list[Phone]:
    phones: list[Phone] = []
    for word, start, end in spans:
        labels = [normalise_label(label) for label in (shared.decoder.lookup_word(word) or "").split()]
        if not labels:
            continue
        width = (end - start) / len(labels)
        phones += [Phone(label, start + i * width, start + (i + 1) * width) for i, label in enumerate(labels)]
    return phones
