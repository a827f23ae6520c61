"""Keep every lip closure that either of two hearings of the same clip heard: a second recognition,
or a network's per-frame lip-contact decisions."""

from __future__ import annotations

from .phone import SILENCE, Phone, fill_timeline

BILABIAL_LABELS = frozenset({"P", "B", "M"})
# A closure this close to one already in the base counts as the same closure.
SAME_CLOSURE_SECONDS = 0.03
# The phone search mostly mishears a p/b/m at another place of articulation with the same voicing and
# manner (25 of 29 misses on tuning voices were t/d/k/th/g for p/b and n for m, benchmarks/RESULTS.md):
# where sealed lips are heard on one, it becomes the bilabial it stood for.
BILABIAL_FOR = {"T": "P", "K": "P", "TH": "P", "F": "P", "D": "B", "G": "B", "DH": "B", "V": "B",
                "N": "M", "NG": "M"}


def add_missed_closures(base: list[Phone], other: list[Phone], duration: float) -> list[Phone]:
    """`base` with every p/b/m of `other` that `base` lacks cut into it, over `duration` seconds.

    Recognisers confuse places of articulation (p heard as t or v) far more than they invent a
    closure out of nothing, so a closure heard by either search is kept. One whose centre falls
    in a pause of `base` is left out: the pause is the better bet there."""
    timeline = fill_timeline(base, duration)
    for closure in other:
        if closure.label not in BILABIAL_LABELS or _has_closure_near(timeline, closure):
            continue
        under = next((p for p in timeline if p.start <= closure.centre < p.end), None)
        if under is None or under.label == SILENCE:
            continue
        timeline = _cut_in(timeline, closure)
    return timeline


def _has_closure_near(timeline: list[Phone], closure: Phone) -> bool:
    return any(p.label in BILABIAL_LABELS and p.start - SAME_CLOSURE_SECONDS < closure.end
               and closure.start < p.end + SAME_CLOSURE_SECONDS for p in timeline)


def _cut_in(timeline: list[Phone], inserted: Phone) -> list[Phone]:
    """Phones of `timeline` trimmed to make room for `inserted`, which is placed between them."""
    result = []
    for phone in timeline:
        if phone.end <= inserted.start or phone.start >= inserted.end:
            result.append(phone)
            continue
        if phone.start < inserted.start:
            result.append(Phone(phone.label, phone.start, inserted.start))
        if phone.end > inserted.end:
            result.append(Phone(phone.label, inserted.end, phone.end))
    result.append(inserted)
    return sorted(result, key=lambda p: p.start)


def _over_speech(timeline: list[Phone], start: float, end: float) -> list[tuple[float, float]]:
    """The parts of [start, end) over speech, one per run of spoken phones: shut lips that run on into a
    pause are that pause's rest, and a span that bridges a pause is two closures, not one across it."""
    parts: list[tuple[float, float]] = []
    bridged = False
    for phone in (p for p in timeline if p.start < end and start < p.end):
        if phone.label == SILENCE:
            bridged = True
            continue
        piece = (max(start, phone.start), min(end, phone.end))
        if parts and not bridged:
            parts[-1] = (parts[-1][0], piece[1])
        else:
            parts.append(piece)
        bridged = False
    return parts


def add_sealed_spans(base: list[Phone], sealed: list[tuple[float, float]], duration: float) -> list[Phone]:
    """`base` with a closure wherever `sealed` (start, end seconds: spans a network heard the lips
    shut) has none within SAME_CLOSURE_SECONDS. A consonant the span overlaps that a p/b/m is
    misheard as (BILABIAL_FOR) is relabelled, keeping its timing; otherwise a B is cut in over the
    span. Only a span's part over speech counts: lips that rest shut in a pause are not a closure."""
    timeline = fill_timeline(base, duration)
    for start, end in (part for span in sealed for part in _over_speech(timeline, *span)):
        if _has_closure_near(timeline, Phone("B", start, end)):
            continue
        span = Phone("B", start, end)
        under = [p for p in timeline if p.start < end and start < p.end]
        misheard = [p for p in under if p.label in BILABIAL_FOR]
        if misheard:
            heard = max(misheard, key=lambda p: min(p.end, end) - max(p.start, start))
            timeline = [Phone(BILABIAL_FOR[p.label], p.start, p.end) if p is heard else p for p in timeline]
        else:
            timeline = _cut_in(timeline, span)
    return timeline
