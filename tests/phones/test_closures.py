"""A closure heard by either recognition is kept: add_missed_closures on hand-made timelines."""

import pytest

from lipwright.phones.closures import add_missed_closures
from lipwright.phones.phone import Phone


def labels(phones):
    return [p.label for p in phones]


def test_a_closure_heard_only_by_the_other_search_is_cut_in():
    # "stop on": the word search heard t, the phone search p where the lips close.
    base = [Phone("SIL", 0.0, 0.2), Phone("S", 0.2, 0.3), Phone("AA", 0.3, 0.45), Phone("T", 0.45, 0.55),
            Phone("AA", 0.55, 0.7), Phone("N", 0.7, 0.8), Phone("SIL", 0.8, 1.0)]
    other = [Phone("SIL", 0.0, 0.21), Phone("AO", 0.21, 0.44), Phone("P", 0.44, 0.52), Phone("AO", 0.52, 0.8)]
    merged = add_missed_closures(base, other, 1.0)
    assert labels(merged) == ["SIL", "S", "AA", "P", "T", "AA", "N", "SIL"]
    closure = merged[3]
    assert (closure.start, closure.end) == (0.44, 0.52)
    # Still a timeline: sorted, touching, covering the clip.
    assert merged[0].start == 0.0 and merged[-1].end == 1.0
    assert all(a.end == pytest.approx(b.start) for a, b in zip(merged, merged[1:]))


def test_a_closure_the_base_already_has_nearby_is_not_doubled():
    base = [Phone("AA", 0.0, 0.3), Phone("M", 0.3, 0.36), Phone("AA", 0.36, 0.6)]
    other = [Phone("B", 0.37, 0.42)]  # the same closure, placed a little later
    assert add_missed_closures(base, other, 0.6) == base


def test_a_closure_in_a_pause_of_the_base_is_left_out():
    base = [Phone("AA", 0.0, 0.3), Phone("SIL", 0.3, 0.8), Phone("AA", 0.8, 1.0)]
    other = [Phone("P", 0.4, 0.5)]
    assert add_missed_closures(base, other, 1.0) == base


def test_non_closures_of_the_other_search_change_nothing():
    base = [Phone("AA", 0.0, 0.3), Phone("T", 0.3, 0.36), Phone("AA", 0.36, 0.6)]
    other = [Phone("D", 0.3, 0.36), Phone("V", 0.4, 0.45)]
    assert add_missed_closures(base, other, 0.6) == base
