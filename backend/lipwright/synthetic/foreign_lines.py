"""Generated lines for festival's Italian, Finnish, Czech, Catalan, Russian, Hindi, Marathi and Telugu
voices: made-up words of each language's own letters, which its letter-to-sound rules read as they would a real word. Meaning does not
matter; what the lines give a corpus is new human timbres speaking closures and open vowels with exact
timings (festival says where every phone it spoke begins and ends). p, b and m are drawn twice as often as
other onsets: closures are what the networks miss on voices they never heard."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    phone_set: str  # the name festival's voices for it give their phones (festival_phones.PHONE_SETS)
    encoding: str  # what festival's voices for it read
    onsets: tuple[str, ...]  # "" for a syllable that starts with its vowel
    inner_onsets: tuple[str, ...]  # extra onsets inside a word (geminates)
    vowels: tuple[str, ...]
    codas: tuple[str, ...]  # "" for an open syllable


_LABIAL = {"latin": ("p", "b", "m"), "cyrillic": ("п", "б", "м"), "devanagari": ("प", "ब", "म"), "telugu": ("ప", "బ", "మ")}
_DEVANAGARI_ONSETS = (*_LABIAL["devanagari"] * 2, "फ", "भ", "त", "द", "न", "ल", "र", "स", "क", "ग", "ह", "ज", "च", "य",
                      "व", "ट", "ड", "श")
_DEVANAGARI_DOUBLED = ("प्प", "म्म", "त्त", "क्क", "ब्ब")
_DEVANAGARI_VOWELS = ("", "ा", "ि", "ी", "ु", "ू", "े", "ै", "ो", "ौ", "ा")

LANGUAGES: dict[str, Language] = {
    "italian": Language(
        "italian", "ascii",
        (*_LABIAL["latin"] * 2, "f", "v", "t", "d", "n", "l", "r", "s", "c", "g", "pr", "br", "pl", "bl", "tr",
         "st", "sp", "gn", "ch", "sc", "z", ""),
        ("pp", "bb", "mm", "tt", "ll", "rr", "ss", "cc", "zz"),
        ("a", "e", "i", "o", "u", "a", "o"),
        ("",)),
    "finnish": Language(
        "finnish", "iso-8859-1",
        (*_LABIAL["latin"] * 2, "v", "t", "d", "n", "l", "r", "s", "h", "k", "j", ""),
        ("pp", "mm", "tt", "kk", "ll", "ss", "nn"),
        ("a", "e", "i", "o", "u", "y", "ä", "ö", "aa", "ee", "ii", "uu", "yy", "ää", "ai", "ei", "oi", "uo", "ie"),
        ("", "", "n", "t", "s", "l")),
    "czech": Language(
        "czech", "iso-8859-2",
        (*_LABIAL["latin"] * 2, "f", "v", "t", "d", "n", "l", "r", "s", "z", "k", "g", "h", "ch", "c", "č", "š",
         "ž", "ř", "j", "ť", "ď", "ň", "pr", "br", "pl", "st", "zv", ""),
        (),
        ("a", "e", "i", "o", "u", "y", "á", "é", "í", "ú", "ů", "ě"),
        ("", "", "", "k", "t", "m", "n", "s", "l")),
    "catalan": Language(
        "upc_catalan-central", "iso-8859-1",
        (*_LABIAL["latin"] * 2, "f", "v", "t", "d", "n", "l", "r", "s", "c", "g", "ll", "ny", "x", "j", "pr", "br",
         "pl", "bl", "tr", ""),
        ("rr", "ss", "l·l"),
        ("a", "e", "i", "o", "u", "à", "è", "é", "í", "ò", "ó", "ú"),
        ("", "", "", "s", "n", "l", "r", "t")),
    # Devanagari (Hindi, Marathi) and Telugu: a consonant letter carries the vowel a until a vowel sign
    # follows it ("" below); a virama between two letters doubles the first.
    "hindi": Language("hindi", "utf-8", _DEVANAGARI_ONSETS, _DEVANAGARI_DOUBLED, _DEVANAGARI_VOWELS,
                      ("", "", "", "म", "न", "र", "ल")),
    "marathi": Language("marathi", "utf-8", _DEVANAGARI_ONSETS, _DEVANAGARI_DOUBLED, _DEVANAGARI_VOWELS,
                        ("", "", "", "म", "न", "र", "ल")),
    "telugu": Language(
        "telugu", "utf-8",
        (*_LABIAL["telugu"] * 2, "ఫ", "భ", "త", "ద", "న", "ల", "ర", "స", "క", "గ", "హ", "జ", "చ", "య", "వ", "ట", "డ", "శ"),
        ("ప్ప", "మ్మ", "త్త", "క్క", "బ్బ", "ల్ల"),
        ("", "ా", "ి", "ీ", "ు", "ూ", "ె", "ే", "ై", "ొ", "ో", "ౌ", "ా"),
        ("",)),
    "russian": Language(
        "msu_ru", "utf-8",
        (*_LABIAL["cyrillic"] * 2, "ф", "в", "т", "д", "н", "л", "р", "с", "з", "к", "г", "х", "ц", "ч", "ш",
         "щ", "ж", "пр", "бр", "пл", "ст", ""),
        (),
        ("а", "о", "у", "ы", "э", "я", "ю", "и", "е", "а", "о"),
        ("", "", "", "м", "н", "т", "л", "с", "й", "к")),
}


def word(rng: random.Random, language: Language) -> str:
    syllables = []
    for index in range(rng.choice((1, 2, 2, 3, 3, 4))):
        onsets = language.onsets + (language.inner_onsets if index else ())
        syllables.append(rng.choice(onsets) + rng.choice(language.vowels))
    return "".join(syllables) + rng.choice(language.codas)


def foreign_line(rng: random.Random, language: str) -> str:
    """One to three phrases of two to six words, joined by commas or full stops: pauses of several lengths."""
    spoken = LANGUAGES[language]
    phrases = [" ".join(word(rng, spoken) for _ in range(rng.randint(2, 6))) for _ in range(rng.choice((1, 2, 2, 3)))]
    text = phrases[0]
    for phrase in phrases[1:]:
        joiner = rng.choice((", ", ", ", ". "))
        text += joiner + (phrase[0].upper() + phrase[1:] if joiner == ". " else phrase)
    return text[0].upper() + text[1:] + rng.choice((".", ".", "!", "?"))
