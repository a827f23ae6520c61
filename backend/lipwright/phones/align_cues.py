"""Align subtitles cue by cue: each cue's words on its own stretch of audio, so a long line never
asks the aligner to search minutes of speech at once, and one bad cue spoils only itself."""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..audio.clip import AudioClip
from ..audio.dereverberate import dereverberated
from ..errors import TranscriptError
from .align import AlignmentFailed, align_prepared_words, dictionary_pronunciation
from .decoders import aligner
from .phone import SILENCE, Phone, fill_timeline
from .subtitles import Cue, plain_text
from .transcript import TranscriptWords, transcript_words

# Subtitle times are set by eye: look this far past each end of a cue, but never past the middle
# of the gap to the next cue, so neighbours' words stay out.
CUE_PADDING_SECONDS = 0.5
MIN_SPAN_SECONDS = 0.1


def align_cues(clip: AudioClip, cues: list[Cue], recognise: Callable[[AudioClip], list[Phone]]
               ) -> tuple[list[Phone], list[str], int]:
    """Phones covering `clip`, aligned cue by cue; warnings; how many cues were aligned.

    A cue whose words do not fit its audio gets the phones `recognise` finds in its stretch of the line (with
    the room taken out of the whole line first) and a warning naming it; audio outside every cue's span is
    silence."""
    # The words of all cues at once, so unknown words are named in one warning, not one per cue.
    shared = aligner()
    whole = transcript_words(plain_text(cues), lambda word: dictionary_pronunciation(shared, word))
    warnings, phones, aligned = list(whole.warnings), [], 0
    # A cue that does not fit is recognised as recognition hears a line: with its room taken out (phones/track.py).
    heard = functools.cache(lambda: dereverberated(clip))
    for index, cue in enumerate(cues):
        start, end = cue_span(cues, index, clip.seconds)
        if end - start < MIN_SPAN_SECONDS:
            warnings.append(f"Cue {index + 1} ({_times(cue)}) lies outside the audio; skipped.")
            continue
        first, last = int(start * clip.sample_rate), int(end * clip.sample_rate)
        piece = AudioClip(clip.samples[first:last], clip.sample_rate)
        try:
            prepared = _cue_words(cue, whole.guessed, shared)
        except TranscriptError:
            continue  # no words to align (already named in the warnings above)
        try:
            found, cue_warnings = align_prepared_words(piece, prepared)
            aligned += 1
        except AlignmentFailed:
            sound = AudioClip(heard().samples[first:last], clip.sample_rate)
            found, cue_warnings = recognise(sound), []
            warnings.append(
                f"Cue {index + 1} ({_times(cue)}) did not fit its audio; its phones were recognised instead. "
                f"Check the cue's text and times."
            )
        warnings += [warning for warning in cue_warnings if warning not in warnings]
        phones += [Phone(p.label, p.start + start, p.end + start) for p in found if p.label != SILENCE]
    return fill_timeline(phones, clip.seconds), warnings, aligned


def _cue_words(cue: Cue, guessed: dict[str, str], shared) -> TranscriptWords:
    """The cue's words, with the pronunciations already guessed for the whole text (no second guess)."""
    words = transcript_words(cue.text, lambda word: guessed.get(word) or dictionary_pronunciation(shared, word)).words
    return TranscriptWords(words, {word: guessed[word] for word in words if word in guessed})


def cue_span(cues: list[Cue], index: int, duration: float) -> tuple[float, float]:
    """The stretch of audio cue `index` is aligned in (or recognised in, when it does not fit): seconds."""
    cue = cues[index]
    start, end = cue.start - CUE_PADDING_SECONDS, cue.end + CUE_PADDING_SECONDS
    if index > 0:
        start = max(start, min(cue.start, 0.5 * (cues[index - 1].end + cue.start)))
    if index + 1 < len(cues):
        end = min(end, max(cue.end, 0.5 * (cue.end + cues[index + 1].start)))
    return max(0.0, start), min(duration, end)


def _times(cue: Cue) -> str:
    return f"{cue.start:.2f}-{cue.end:.2f} s"
