"""The phone timeline every later stage reads: labelled spans in seconds that cover the whole clip."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SILENCE = "SIL"

# The 39 ARPAbet phones of the CMU dictionary, without stress marks.
ARPABET: frozenset[str] = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()
)
VOWELS: frozenset[str] = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())


@dataclass(frozen=True)
class Phone:
    """label: ARPAbet without stress, upper case ('AA', 'P'), or 'SIL' for silence and noise."""

    label: str
    start: float
    end: float

    @property
    def centre(self) -> float:
        return 0.5 * (self.start + self.end)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class PhoneTrack:
    """Phones covering a clip, how they were found ('aligned' or 'recognised'), and what went wrong."""

    phones: list[Phone]
    method: str
    warnings: list[str] = field(default_factory=list)
    recognised_by: str | None = None  # "words", "phones" or "phones and network" when method is 'recognised'


def normalise_label(raw: str) -> str:
    """'AA1' -> 'AA'; pocketsphinx fillers ('SIL', '+NSN+', '<sil>', '[NOISE]') -> 'SIL'."""
    label = re.sub(r"\d", "", raw.strip().upper())
    return label if label in ARPABET else SILENCE


def base_word(name: str) -> str:
    """'the(2)' -> 'the': the dictionary marks alternative pronunciations that way."""
    return re.sub(r"\(\d+\)$", "", name)


def is_filler(name: str) -> bool:
    """pocketsphinx's silence and noise words ('<s>', '<sil>', '[NOISE]', '+breath+', '(NULL)')."""
    return name.startswith(("<", "[", "+")) or name == "(NULL)"


def fill_timeline(phones: list[Phone], duration: float) -> list[Phone]:
    """Sorted phones clipped to [0, duration], gaps filled and neighbouring silences merged.

    The result starts at 0 and ends at `duration`, so every frame of the clip has a phone."""
    timeline: list[Phone] = []
    cursor = 0.0
    for phone in sorted(phones, key=lambda p: p.start):
        start, end = max(phone.start, cursor), min(phone.end, duration)
        if end <= start:
            continue
        if start > cursor:
            timeline.append(Phone(SILENCE, cursor, start))
        timeline.append(Phone(phone.label, start, end))
        cursor = end
    if cursor < duration:
        timeline.append(Phone(SILENCE, cursor, duration))
    merged: list[Phone] = []
    for phone in timeline:
        if merged and phone.label == SILENCE and merged[-1].label == SILENCE:
            merged[-1] = Phone(SILENCE, merged[-1].start, phone.end)
        else:
            merged.append(phone)
    return merged


def merged_vowel_repeats(phones: list[Phone]) -> list[Phone]:
    """`phones` with each run of touching vowels of one label made one vowel. After a search's phones are
    relabelled by their sound, a vowel cut out of a silence and the schwa after it that also sounded open are
    one AA, not a 30 ms AA that the closure beside it keeps shut. Consonants keep their own timing (a p the
    search heard stays the p it heard, whatever the phone heads make of the t after it)."""
    merged: list[Phone] = []
    for phone in phones:
        if (merged and phone.label in VOWELS and phone.label == merged[-1].label
                and abs(phone.start - merged[-1].end) < 1e-9):
            merged[-1] = Phone(phone.label, merged[-1].start, phone.end)
        else:
            merged.append(phone)
    return merged
