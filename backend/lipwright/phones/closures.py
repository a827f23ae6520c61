"""Keep every lip closure that either of two recognitions of the same clip heard."""

from __future__ import annotations

from .phone import SILENCE, Phone, fill_timeline

BILABIAL_LABELS = frozenset({"P", "B", "M"})
# A closure this close to one already in the base counts as the same closure.
SAME_CLOSURE_SECONDS = 0.03


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
