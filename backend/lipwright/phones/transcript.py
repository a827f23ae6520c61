"""Turn a user's transcript into the dictionary words the aligner needs, guessing what it lacks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ..errors import TranscriptError
from .guess_pronunciation import guess_pronunciations
from .spoken_form import spoken_form

# Punctuation that only marks prosody; dropping it loses nothing the aligner could use.
_PUNCTUATION = re.compile(r"[.,!?;:\"“”‘()\[\]{}…*_/\\|<>~`^]")
_WORD_BREAKS = re.compile(r"[\s\-–—]+")
# More guessed words than this in a warning would bury the message.
_WORDS_SHOWN = 12


@dataclass
class TranscriptWords:
    """The words to align, pronunciations guessed for those the dictionary lacks, and what was changed."""

    words: list[str]
    guessed: dict[str, str] = field(default_factory=dict)  # word -> ARPAbet phones
    warnings: list[str] = field(default_factory=list)


def transcript_words(text: str, pronounce: Callable[[str], str | None]) -> TranscriptWords:
    """Lower-case words of `text` as spoken; `pronounce(word)` gives a word's phones or None.

    Numbers, money, times and abbreviations become words; words the dictionary lacks get guessed
    pronunciations (named in a warning); only a transcript with no words at all raises TranscriptError."""
    cleaned = _PUNCTUATION.sub(" ", spoken_form(text).lower())
    tokens = [token.strip("'") for token in _WORD_BREAKS.split(cleaned)]
    tokens = [token for token in tokens if token]
    warnings = []
    foreign = [token for token in tokens if not re.fullmatch(r"[a-z']+", token)]
    if foreign:
        # Letters outside English spelling (another script, stray symbols): nothing to pronounce them with.
        warnings.append(f"Skipped what is not written in English letters: {_listed(foreign)}.")
        tokens = [token for token in tokens if token not in set(foreign)]
    if not tokens:
        raise TranscriptError("The transcript has no words; type the spoken line, or leave it empty to recognise it.")
    unknown = sorted({token for token in tokens if pronounce(token) is None})
    guessed, converter = guess_pronunciations(unknown)
    if converter == "spelling rules":
        converter = "simple spelling rules (install espeak-ng for better guesses)"
    if unknown:
        warnings.append(
            f"Not in the pronunciation dictionary, pronounced by {converter}: {_listed(unknown)}. "
            f"If the mouth looks wrong on them, spell them as they sound (e.g. 'Xanthe' as 'zan thee')."
        )
    return TranscriptWords(tokens, guessed, warnings)


def _listed(words: list[str]) -> str:
    shown = ", ".join(words[:_WORDS_SHOWN])
    return shown + (f" and {len(words) - _WORDS_SHOWN} more" if len(words) > _WORDS_SHOWN else "")
