"""Pronounce words the CMU dictionary lacks: espeak-ng's letter-to-sound rules (offline, a separate
program), its IPA mapped to ARPAbet; plain spelling rules when espeak-ng is not installed."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata

# espeak-ng's en-us IPA, longest symbols first when a symbol is not separated. Flaps and glottal
# stops stand in for the t/d the dictionary would write; syllabic l/n keep their vowel.
_IPA_TO_ARPABET = {
    "tʃ": "CH", "dʒ": "JH", "eɪ": "EY", "aɪ": "AY", "aʊ": "AW", "ɔɪ": "OY", "oʊ": "OW", "əʊ": "OW",
    "ɑː": "AA", "ɔː": "AO", "ɜː": "ER", "iː": "IY", "uː": "UW", "ɪɹ": "IH R", "ɛɹ": "EH R", "ʊɹ": "UH R",
    "ɑɹ": "AA R", "ɔɹ": "AO R", "oːɹ": "AO R", "aɪɚ": "AY ER", "aʊɚ": "AW ER", "l̩": "AH L", "n̩": "AH N",
    "æ": "AE", "ɑ": "AA", "ɒ": "AA", "ɔ": "AO", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɚ": "ER", "ɝ": "ER",
    "ɜ": "ER", "ɛ": "EH", "e": "EH", "ɪ": "IH", "ᵻ": "IH", "i": "IY", "ʊ": "UH", "u": "UW", "o": "OW",
    "a": "AE", "b": "B", "d": "D", "f": "F", "ɡ": "G", "g": "G", "h": "HH", "k": "K", "l": "L", "m": "M",
    "n": "N", "ŋ": "NG", "p": "P", "ɹ": "R", "r": "R", "s": "S", "ʃ": "SH", "t": "T", "θ": "TH", "ð": "DH",
    "v": "V", "w": "W", "j": "Y", "z": "Z", "ʒ": "ZH", "ɾ": "T", "ʔ": "T", "x": "K", "ç": "HH", "ɬ": "L",
}
_LONGEST_IPA = max(len(symbol) for symbol in _IPA_TO_ARPABET)
# IPA marks that carry no phone: stress, length, syllable breaks, ties and joiners.
_IPA_MARKS = re.compile("[ˈˌ.‿͡\u200d\u200c]")

# Spelling rules for when espeak-ng is missing: rough, but every letter makes a plausible mouth shape.
_SPELLING_TO_ARPABET = [
    ("tch", "CH"), ("sch", "S K"), ("igh", "AY"), ("ch", "CH"), ("sh", "SH"), ("th", "TH"), ("ph", "F"),
    ("wh", "W"), ("ck", "K"), ("ng", "NG"), ("qu", "K W"), ("ee", "IY"), ("ea", "IY"), ("oo", "UW"),
    ("ai", "EY"), ("ay", "EY"), ("ou", "AW"), ("ow", "OW"), ("oa", "OW"), ("oi", "OY"), ("oy", "OY"),
    ("au", "AO"), ("aw", "AO"), ("ie", "IY"), ("ue", "UW"), ("a", "AE"), ("e", "EH"), ("i", "IH"),
    ("o", "AA"), ("u", "AH"), ("y", "IY"), ("b", "B"), ("c", "K"), ("d", "D"), ("f", "F"), ("g", "G"),
    ("h", "HH"), ("j", "JH"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("p", "P"), ("q", "K"),
    ("r", "R"), ("s", "S"), ("t", "T"), ("v", "V"), ("w", "W"), ("x", "K S"), ("z", "Z"),
]


def guess_pronunciations(words: list[str]) -> tuple[dict[str, str], str]:
    """ARPAbet phones ('Z AE N DH') for each of `words` (lower case), and which converter made them.

    The converter is 'espeak-ng' when the program is installed and answers, else 'spelling rules'."""
    unique = sorted(set(words))
    if not unique:
        return {}, "none"
    from_espeak = _espeak_pronunciations(unique)
    if from_espeak is not None:
        return from_espeak, "espeak-ng"
    return {word: spelling_pronunciation(word) for word in unique}, "spelling rules"


def ipa_to_arpabet(ipa: str) -> str:
    """espeak-ng IPA of one word ('zˈænð') as ARPAbet without stress ('Z AE N DH')."""
    ipa = _IPA_MARKS.sub("", unicodedata.normalize("NFC", ipa))
    phones, i = [], 0
    while i < len(ipa):
        for length in range(min(_LONGEST_IPA, len(ipa) - i), 0, -1):
            arpabet = _IPA_TO_ARPABET.get(ipa[i:i + length])
            if arpabet:
                phones.append(arpabet)
                i += length
                break
        else:
            i += 1  # a symbol with no English phone (a click, a tone mark): skip it
    return " ".join(phones)


def spelling_pronunciation(word: str) -> str:
    """Phones from letters alone, for when no converter is installed; 'AH' for a word with no letters."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if len(letters) > 3 and letters.endswith("e") and not letters.endswith(("ee", "ie", "ue")):
        letters = letters[:-1]  # the silent e of 'make', 'hope'
    phones, i = [], 0
    while i < len(letters):
        for spelling, arpabet in _SPELLING_TO_ARPABET:
            if letters.startswith(spelling, i):
                phones.append(arpabet)
                i += len(spelling)
                break
        else:
            i += 1
    return " ".join(phones) or "AH"


def _espeak_pronunciations(words: list[str]) -> dict[str, str] | None:
    """One espeak-ng run for all words; None when the program is missing or fails."""
    program = shutil.which("espeak-ng") or shutil.which("espeak")
    if program is None:
        return None
    # Commas make each word its own clause, so each comes back on its own line.
    try:
        completed = subprocess.run(
            [program, "-q", "--ipa", "-v", "en-us", ", ".join(words)],
            capture_output=True, text=True, timeout=30, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = [line.strip() for line in completed.stdout.splitlines() if line.strip()]
    if len(lines) != len(words):
        # espeak-ng joins some short words into one clause; ask for each word alone.
        lines = []
        for word in words:
            try:
                single = subprocess.run([program, "-q", "--ipa", "-v", "en-us", word],
                                        capture_output=True, text=True, timeout=10, check=True)
            except (OSError, subprocess.SubprocessError):
                return None
            lines.append(single.stdout.replace("\n", " ").strip())
    pronunciations = {}
    for word, ipa in zip(words, lines):
        phones = ipa_to_arpabet(ipa.replace(" ", ""))
        pronunciations[word] = phones or spelling_pronunciation(word)
    return pronunciations
