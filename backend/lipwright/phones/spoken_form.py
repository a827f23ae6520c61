"""Write a transcript as it is spoken: numbers, money, times and abbreviations become words, and
accented letters and typographic punctuation fold to the plain letters the CMU dictionary knows."""

from __future__ import annotations

import re
import unicodedata


# Typographic marks people paste from word processors, folded to what the tokeniser splits on.
_TYPOGRAPHY = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "″": '"', "«": '"', "»": '"',
    "–": " - ", "—": " - ", "―": " - ", "‒": " - ", "−": "-", "‐": "-", "‑": "-",
    "…": " ... ", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u200b": "",
    "\u2060": "", "\ufeff": "", "\u00ad": "",
})
# Letters NFKD does not split into a base letter and a mark.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ø": "o", "Ø": "O",
                          "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i"})

_CURRENCIES = {"$": ("dollar", "cent"), "£": ("pound", "penny"), "€": ("euro", "cent"), "¥": ("yen", "sen")}
_SCALES = {"k": "thousand", "m": "million", "bn": "billion", "thousand": "thousand", "million": "million",
           "billion": "billion", "trillion": "trillion"}

# Abbreviations spoken as a different word; matched case-sensitively with their full stop.
_ABBREVIATIONS = {
    "Dr.": "doctor", "Mr.": "mister", "Mrs.": "missus", "Ms.": "ms", "Prof.": "professor",
    "Jr.": "junior", "Sr.": "senior", "Mt.": "mount", "Ave.": "avenue", "Rd.": "road", "Capt.": "captain",
    "Gen.": "general", "Lt.": "lieutenant", "Sgt.": "sergeant", "Col.": "colonel", "Gov.": "governor",
    "Rev.": "reverend", "Hon.": "honorable", "approx.": "approximately", "dept.": "department",
    "etc.": "et cetera", "vs.": "versus", "e.g.": "for example", "i.e.": "that is", "a.m.": "a m",
    "p.m.": "p m", "Co.": "company", "Inc.": "incorporated", "Ltd.": "limited", "Jan.": "january",
    "Feb.": "february", "Aug.": "august", "Sept.": "september", "Oct.": "october", "Nov.": "november",
    "Dec.": "december",
}
_SYMBOLS = {"&": " and ", "+": " plus ", "@": " at ", "=": " equals ", "%": " percent ", "#": " number "}

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_MONEY = re.compile(
    rf"([$£€¥])\s?({_NUMBER})(?:\s?(k|m|bn|thousand|million|billion|trillion)\b)?", re.IGNORECASE)
_PERCENT = re.compile(rf"({_NUMBER})\s?(%|per\s?cent\b)", re.IGNORECASE)
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?:\s?([ap])\.?\s?m\b\.?)?", re.IGNORECASE)
_HOUR = re.compile(r"\b(\d{1,2})\s?([ap])\.?\s?m\b\.?", re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_DECADE = re.compile(r"(?:\b(\d{2})|')(\d)0'?s\b")
_YEAR = re.compile(r"\b(1[1-9]\d\d|20\d\d)\b(?![.,]\d)")
_SAINT = re.compile(r"\bSt\.(?=\s+[A-Z])")
_NUMBER_ALONE = re.compile(rf"(?:(?<![\w-])(-))?({_NUMBER})")


def spoken_form(text: str) -> str:
    """`text` with every number and abbreviation written as the words a speaker says.

    '$3.50 at 5 pm on the 21st, Dr. Café' -> 'three dollars fifty cents at five p m on the twenty-first,
    doctor Cafe'. Punctuation the aligner ignores is kept; the tokeniser drops it."""
    text = fold_letters(text)
    text = _SAINT.sub("saint", text)
    for abbreviation, spoken in _ABBREVIATIONS.items():
        text = re.sub(rf"(?<![\w.]){re.escape(abbreviation)}(?!\w)", f" {spoken} ", text)
    text = re.sub(r"\bSt\.(?!\w)", " street ", text)
    text = re.sub(r"\bNo\.(?=\s*\d)", " number ", text)
    text = _MONEY.sub(_say_money, text)
    text = _PERCENT.sub(lambda m: f"{_say_number(m.group(1))} percent", text)
    text = _CLOCK.sub(_say_clock, text)
    text = _HOUR.sub(lambda m: f"{num2words(int(m.group(1)))} {m.group(2).lower()} m", text)
    text = _ORDINAL.sub(lambda m: num2words(int(m.group(1)), to="ordinal"), text)
    text = _DECADE.sub(_say_decade, text)
    text = _YEAR.sub(lambda m: num2words(int(m.group(1)), to="year"), text)
    text = _NUMBER_ALONE.sub(lambda m: (" minus " if m.group(1) else " ") + _say_number(m.group(2)) + " ", text)
    for symbol, spoken in _SYMBOLS.items():
        text = text.replace(symbol, spoken)
    return re.sub(r"\s+", " ", text).strip()


def num2words(number: int, to: str = "cardinal") -> str:
    """num2words' English words; imported on first use, as most transcripts hold no digits."""
    from num2words import num2words as spell

    return spell(number, to=to, lang="en")


def fold_letters(text: str) -> str:
    """Typographic quotes, dashes, ellipses and odd spaces to plain ones; accents off (café -> cafe)."""
    text = text.translate(_TYPOGRAPHY).translate(_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _say_number(digits: str) -> str:
    digits = digits.replace(",", "")
    if "." in digits:
        whole, fraction = digits.split(".")
        # Digits after the point are read one by one: 3.14 is 'three point one four'.
        return f"{num2words(int(whole))} point " + " ".join(num2words(int(d)) for d in fraction)
    return num2words(int(digits))


def _say_money(match: re.Match) -> str:
    unit, minor = _CURRENCIES[match.group(1)]
    amount, scale = match.group(2).replace(",", ""), match.group(3)
    if scale:
        return f"{_say_number(amount)} {_SCALES[scale.lower()]} {_plural(unit, 2)}"
    whole, _, fraction = amount.partition(".")
    spoken = f"{num2words(int(whole))} {_plural(unit, int(whole))}"
    cents = int((fraction + "00")[:2]) if fraction else 0
    if cents:
        spoken += f" {num2words(cents)} {_plural(minor, cents)}"
    return spoken


def _plural(unit: str, count: int) -> str:
    if count == 1 or unit in ("yen", "sen"):
        return unit
    return {"penny": "pence"}.get(unit, unit + "s")


def _say_clock(match: re.Match) -> str:
    hours, minutes, half = int(match.group(1)), int(match.group(2)), match.group(3)
    if minutes == 0:
        spoken = num2words(hours) + ("" if half else " o'clock")
    elif minutes < 10:
        spoken = f"{num2words(hours)} oh {num2words(minutes)}"
    else:
        spoken = f"{num2words(hours)} {num2words(minutes)}"
    return spoken + (f" {half.lower()} m" if half else "")


def _say_decade(match: re.Match) -> str:
    century, decade = match.group(1), int(match.group(2))
    if century is not None and decade == 0:
        # 1900s, 2000s: 'nineteen hundreds', 'two thousands'.
        year = num2words(int(century + "00"), to="year")
        return year + "s"
    tens = num2words(decade * 10)  # 'ninety'
    spoken = tens[:-1] + "ies" if tens.endswith("y") else tens + "s"
    return spoken if century is None else f"{num2words(int(century))} {spoken}"  # 'nineteen nineties'
