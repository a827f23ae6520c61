"""Align a transcript to speech: pocketsphinx word alignment, then phone alignment inside it."""

from __future__ import annotations

from ..audio.clip import AudioClip
from ..errors import TranscriptError
from .decoders import SharedDecoder, aligner, pcm16, start_utterance
from .pause_edges import trim_into_silence
from .phone import Phone, base_word, fill_timeline, is_filler, normalise_label
from .transcript import TranscriptWords, transcript_words


class AlignmentFailed(TranscriptError):
    """The words are fine but do not fit the audio; recognition may still animate it."""


def align_phones(clip: AudioClip, transcript: str) -> list[Phone]:
    """Phones of `transcript` timed against `clip`, covering it from 0 to clip.seconds.

    Raises TranscriptError for a transcript without words, AlignmentFailed when the words do not
    fit the audio. Words the dictionary lacks get guessed pronunciations (see transcript_words)."""
    phones, _ = align_phones_with_warnings(clip, transcript)
    return phones


def align_phones_with_warnings(clip: AudioClip, transcript: str) -> tuple[list[Phone], list[str]]:
    """align_phones, plus warnings (words whose pronunciation was guessed; phone timing estimated
    inside words when phone alignment failed)."""
    prepared = transcript_words(transcript, lambda word: dictionary_pronunciation(aligner(), word))
    phones, warnings = align_prepared_words(clip, prepared)
    return phones, [*prepared.warnings, *warnings]


def align_words_with_warnings(clip: AudioClip, words: list[str]) -> tuple[list[Phone], list[str]]:
    """align_phones_with_warnings for words already in the dictionary (recognised ones)."""
    return align_prepared_words(clip, TranscriptWords(words))


def align_prepared_words(clip: AudioClip, prepared: TranscriptWords) -> tuple[list[Phone], list[str]]:
    """Phones of already prepared transcript words timed against `clip`, and what was estimated."""
    shared = aligner()
    pcm = pcm16(clip)
    warnings = []
    with shared.lock:
        add_guessed_words(shared, prepared.guessed)
        word_spans = _align_words(shared, pcm, prepared.words)
        try:
            phones = _align_phones_inside_words(shared, pcm)
        except RuntimeError:
            # pocketsphinx sometimes loses the phone-level path ("Alignment failed in frame N")
            # after the word pass worked; word timing is still good, so spread each word's phones
            # over its span rather than throwing the transcript away.
            phones = _spread_phones_over_words(shared, word_spans)
            warnings.append("Phone-level alignment failed; phone timing inside each word is estimated.")
    # The aligner, too, lets a line's last phone run on into the silence after it.
    return fill_timeline(trim_into_silence(fill_timeline(phones, clip.seconds), clip), clip.seconds), warnings


# Words this process taught the aligner: still guesses, so every transcript that uses them says so.
_GUESSED_WORDS: set[str] = set()


def dictionary_pronunciation(shared: SharedDecoder, word: str) -> str | None:
    """The CMU dictionary's phones for `word`; None for words it lacks, including ones guessed earlier."""
    return None if word in _GUESSED_WORDS else shared.decoder.lookup_word(word)


def add_guessed_words(shared: SharedDecoder, guessed: dict[str, str]) -> None:
    """Teach the decoder's dictionary the guessed words; call with the lock held."""
    for word, phones in guessed.items():
        if shared.decoder.lookup_word(word) is None:
            shared.decoder.add_word(word, phones, update=True)
            _GUESSED_WORDS.add(word)


def _align_words(shared: SharedDecoder, pcm: bytes, words: list[str]) -> list[tuple[str, float, float]]:
    decoder = shared.decoder
    step = shared.frame_seconds
    failure = AlignmentFailed(
        "The transcript could not be aligned to the audio: it does not seem to match what is said "
        "(or the audio is too short for it). Check the transcript is this line's words, in order."
    )
    try:
        decoder.set_align_text(" ".join(words))
        start_utterance(decoder)
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
    start_utterance(decoder)
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
