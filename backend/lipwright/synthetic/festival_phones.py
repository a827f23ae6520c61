"""The phones of festival's non-English voices as the ARPAbet phones the visemes know, chosen for what the
lips and jaw do: p/b/m seal the lips in every language, open vowels open the jaw, rounded ones round the lips.

Trills and taps (r in every one of these languages) become L: a tongue-tip consonant that leaves the lips where the vowels put
them (English R rounds them). Front rounded vowels (Finnish y, ö) become the rounded UW and UH, since the lips,
not the tongue, are what a face shows."""

from __future__ import annotations

from ..errors import LipwrightError
from ..phones.phone import SILENCE, Phone

_SHARED = {"p": "P", "b": "B", "m": "M", "f": "F", "v": "V", "t": "T", "d": "D", "k": "K", "g": "G",
           "s": "S", "z": "Z", "n": "N", "l": "L", "r": "L", "j": "Y", "w": "W"}

# Keyed by the name each voice's phone set gives itself (PhoneSet.description's `name`). Length (Finnish and
# Czech "a:", "p:") and stress (Italian and Catalan "a1") do not change what the lips do: `arpabet` drops them.
_VOWELS_7 = {"i": "IY", "e": "EY", "E": "EH", "a": "AA", "o": "OW", "O": "AO", "u": "UW"}  # Italian, Catalan
# The NSK voices' one phone set, named for each language (Hindi, Marathi, Telugu). Their t, d and th, dh are
# the retroflex and dental stops (tongue, not lips); a is the short central vowel, @ and aa the open one.
_INDIC = {
    **_SHARED, "a": "AH", "aa": "AA", "@": "AA", "ih": "IH", "iy": "IY", "uh": "UH", "uw": "UW", "eh": "EH",
    "ee": "EY", "ay": "AE", "oh": "AO", "oo": "OW", "aw": "AO",
    "ch": "CH", "T": "T", "D": "D", "N": "N", "th": "T", "dh": "D", "R": "L", "L": "L", "sh": "SH", "j": "JH",
    "y": "Y", "h": "HH", "ksh": "K", "sri": "S", "x": "HH", "kh": "K", "gh": "G", "td": "T", "tth": "T", "ddh": "D",
    "bh": "B", "zh": "JH", "pau": SILENCE,
}
PHONE_SETS: dict[str, dict[str, str]] = {
    "hindi": _INDIC, "marathi": _INDIC, "telugu": _INDIC,
    "italian": {
        **_SHARED, **_VOWELS_7,
        "S": "SH", "Z": "ZH", "ts": "S", "dz": "Z", "tS": "CH", "dZ": "JH", "J": "N", "L": "L",
        "ng": "NG", "nf": "F",  # the labiodental nasal before f/v: lower lip to the teeth
        "#": SILENCE,
    },
    "finnish": {
        **_SHARED, "a": "AA", "e": "EH", "i": "IY", "o": "OW", "u": "UW", "y": "UW", "@": "AE", "7": "UH", "&": "AH",
        "T": "TH", "D": "DH", "S": "SH", "Z": "ZH", "h": "HH", "N": "NG", "L": "L",
        "#": SILENCE, "##": SILENCE,
    },
    "msu_ru": {
        # Doubled letters are the palatalised consonants; the lips do the same.
        **_SHARED, **{consonant * 2: _SHARED[consonant] for consonant in "pbtdkgfvszmnlr"},
        "ii": "IY", "i": "IY", "yy": "IH", "y": "IH", "uu": "UW", "u": "UW", "ee": "EH", "e": "EH",
        "oo": "OW", "aa": "AA", "a": "AH", "ae": "AE", "ay": "AH", "ur": "UH",
        "c": "S", "ch": "CH", "sh": "SH", "sch": "SH", "zh": "ZH", "h": "HH", "hh": "HH",
        "pau": SILENCE,
    },
    "czech": {
        **_SHARED, "a": "AA", "e": "EH", "i": "IY", "o": "OW", "u": "UW",
        "c": "S", "c~": "CH", "ch": "HH", "d~": "D", "dz": "Z", "dz~": "JH", "h": "HH", "n*": "NG", "n~": "N",
        "r~": "ZH", "r~*": "SH", "s~": "SH", "t~": "T", "z~": "ZH",
        "#": SILENCE, "_": SILENCE,
    },
    "upc_catalan-central": {
        **_SHARED, **_VOWELS_7,
        "ax": "AH", "J": "N", "L": "L", "rr": "L", "S": "SH", "Z": "ZH",
        "pau": SILENCE, "_": SILENCE, "#": SILENCE,
    },
}


def arpabet(phone_set: str, phone: str) -> str:
    table = PHONE_SETS.get(phone_set, {})
    label = table.get(phone) or table.get(phone.rstrip(":1"))  # "a:" and "a1" are a's lips
    if label is None:
        raise LipwrightError(f"festival phone {phone!r} of phone set {phone_set!r} has no viseme: add it to "
                             "synthetic/festival_phones.py")
    return label


def phones_from_segments(segments: str, phone_set: str, time_scale: float = 1.0) -> list[Phone]:
    """Festival's `utt.save.segs` text (a header, then "end-time 100 phone" per line) as phones covering the
    clip from 0; time_scale multiplies every time (1 / speed for speech played faster)."""
    phones: list[Phone] = []
    rows = segments.splitlines()
    for row in rows[rows.index("#") + 1:] if "#" in rows else rows:  # an xlabel header ends at "#"
        fields = row.split()
        if len(fields) != 3:
            continue
        end, label = float(fields[0]) * time_scale, arpabet(phone_set, fields[2])
        start = phones[-1].end if phones else 0.0
        if end <= start:
            continue
        if phones and label == SILENCE == phones[-1].label:
            phones[-1] = Phone(SILENCE, phones[-1].start, end)
        else:
            phones.append(Phone(label, start, end))
    if not phones:
        raise LipwrightError("festival returned no segments for this line")
    return phones
