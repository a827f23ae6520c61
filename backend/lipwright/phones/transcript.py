"""Turn a user's transcript into the dictionary words the aligner needs, or say what to fix."""

from __future__ import annotations

import re
from typing import Callable

from ..errors import TranscriptError

# Punctuation that only marks prosody; dropping it loses nothing the aligner could use.
_PUNCTUATION = re.compile(r"[.,!?;:\"“”‘()\[\]{}…*_/\\|<>~`^]")
_WORD_BREAKS = re.compile(r"[\s\-–—]+")


def transcript_words(text: str, pronounce: Callable[[str], str | None]) -> list[str]:
    """Lower-case dictionary words of `text`; `pronounce(word)` gives a word's phones or None.

    Raises TranscriptError naming numbers, symbols or unknown words, with the fix."""
    cleaned = _PUNCTUATION.sub(" ", text.replace("’", "'").lower())
    tokens = [token.strip("'") for token in _WORD_BREAKS.split(cleaned)]
    tokens = [token for token in tokens if token]
    if not tokens:
        raise TranscriptError("The transcript has no words; type the spoken line, or leave it empty to recognise it.")
    numbers = [token for token in tokens if re.search(r"\d", token)]
    if numbers:
        raise TranscriptError(
            f"The transcript contains numbers ({', '.join(numbers)}); write them as they are spoken, "
            f"e.g. '42' as 'forty two'."
        )
    symbols = [token for token in tokens if not re.fullmatch(r"[a-z']+", token)]
    if symbols:
        raise TranscriptError(
            f"The transcript contains characters that are not English letters ({', '.join(symbols)}); "
            f"write symbols as spoken words ('&' as 'and') and use plain English spelling."
        )
    unknown = sorted({token for token in tokens if pronounce(token) is None})
    if unknown:
        raise TranscriptError(
            f"These words are not in the pronunciation dictionary: {', '.join(unknown)}. "
            f"Spell them as they sound with common English words (e.g. 'Xanthe' as 'zan thee')."
        )
    return tokens
