"""Align a transcript to speech: pocketsphinx word alignment, then phone alignment inside it."""

from __future__ import annotations

from ..audio.clip import AudioClip
from ..errors import TranscriptError
from .decoders import DECODER_RATE, SharedDecoder, aligner, pcm16, start_utterance
from .pause_edges import trim_into_silence
from .phone import Phone, base_word, fill_timeline, is_filler, normalise_label
from .transcript import TranscriptWords, transcript_words


BYTES_PER_SECOND = 2 * DECODER_RATE  # pcm16's 16-bit samples
PIECE_SECONDS = 30.0  # the phone pass aligns a long line this much at a time (see pieces)


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
        phones, estimated = [], False
        cut = pieces(word_spans, len(pcm) / BYTES_PER_SECOND, PIECE_SECONDS, shared.frame_seconds)
        for number, (start, end, spans) in enumerate(cut):
            last = number == len(cut) - 1
            piece = pcm if len(cut) == 1 else pcm[_byte(start):len(pcm) if last else _byte(end)]
            try:
                if len(cut) > 1:  # the phone pass follows the word path of the audio it is given, each word
                    # said as the whole line's pass heard it ("the" as DH AH or DH IY: "the(2)")
                    _align_words(shared, piece, [word for word, _, _ in spans])
                found = _align_phones_inside_words(shared, piece)
                if found and not last:
                    # The phone pass stops a frame short of its audio's end; where the words run on through
                    # a cut, that gap would read as a pause in the middle of speech.
                    found[-1] = Phone(found[-1].label, found[-1].start, max(found[-1].end, end - start))
                phones += [Phone(p.label, p.start + start, p.end + start) for p in found]
            except (RuntimeError, AlignmentFailed):
                # pocketsphinx sometimes loses the phone-level path ("Alignment failed in frame N")
                # after the word pass worked; word timing is still good, so spread each word's phones
                # over its span rather than throwing the transcript away.
                phones += _spread_phones_over_words(shared, spans)
                estimated = True
        if estimated:
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
    """Each word's (pronunciation the search took, as the dictionary names it: "the(2)", start, end). `words`
    may name pronunciations too, and the search takes those."""
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
        (segment.word, segment.start_frame * step, (segment.end_frame + 1) * step)
        for segment in segments
        if not is_filler(segment.word)
    ]
    # A search that ran out of audio can end early with a partial path; only the whole
    # transcript, in order, counts as an alignment.
    if [base_word(word) for word, _, _ in spans] != [base_word(word) for word in words]:
        raise failure
    return spans


def pieces(spans: list[tuple[str, float, float]], seconds: float, longest: float = PIECE_SECONDS, grid: float = 0.0
           ) -> list[tuple[float, float, list[tuple[str, float, float]]]]:
    """The line cut for the phone pass into pieces of at most `longest` seconds where it can be: (start, end,
    the word spans inside, still in line time). Each cut falls in the middle of the widest gap between words
    in the second half of the piece (at most `longest` from its start), or at a word boundary when the words
    run on. A word that alone runs past `longest` from the piece's start (itself long, or after a long
    silence) is a piece of its own, and the last piece runs to the line's end: few states, so little memory.
    A line no longer than `longest` is one piece, (0, seconds, spans). With a `grid` (the decoder's frame), a
    cut in a pause falls on it (a piece may then run up to half a frame past `longest`), so that each piece's
    frames are the whole line's: cut between two frames, a piece heard every phone a fraction of a frame off
    (on one generated line 11% of phones moved by more than a frame, on the grid 0.7%).

    pocketsphinx's phone pass keeps a table of every frame by every state of the whole utterance: 0.3 GB
    for a 2-minute line, 2.5 GB for a 6-minute one."""
    result: list[tuple[float, float, list[tuple[str, float, float]]]] = []
    start, first = 0.0, 0
    while first < len(spans):
        if seconds - start <= longest:
            result.append((start, seconds, spans[first:]))
            break
        # Candidate cuts after word `last`: the words from `first` to `last` end within the piece.
        best = None
        for last in range(first, len(spans) - 1):
            end_of_word, next_start = spans[last][2], spans[last + 1][1]
            if end_of_word - start > longest:
                break
            if end_of_word - start >= longest / 2 and (best is None or next_start - end_of_word >= best[0]):
                best = (next_start - end_of_word, last)
        if best is None:  # no boundary in the second half: the last one that fits, or this one long word
            fitting = [last for last in range(first, len(spans) - 1) if spans[last][2] - start <= longest]
            last = fitting[-1] if fitting else first
        else:
            last = best[1]
        if last == len(spans) - 1:
            result.append((start, seconds, spans[first:]))
            break
        end_of_word = max(spans[last][2], start)
        middle = 0.5 * (end_of_word + max(spans[last + 1][1], end_of_word))
        cut = min(middle, max(end_of_word, start + longest))
        if grid > 0:
            cut = min(max(round(cut / grid) * grid, end_of_word), max(spans[last + 1][1], end_of_word))
        result.append((start, cut, spans[first:last + 1]))
        start, first = cut, last + 1
    return result or [(0.0, seconds, spans)]


def _byte(seconds: float) -> int:
    """Where `seconds` falls in 16-bit PCM at the decoder's rate (a whole sample)."""
    return 2 * int(round(seconds * DECODER_RATE))


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
