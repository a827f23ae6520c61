"""A closure heard by either hearing is kept: add_missed_closures (a second recognition) and
add_sealed_spans (a network's sealed lips) on hand-made and generated timelines."""

import numpy as np
import pytest

from lipwright.phones.closures import BILABIAL_LABELS, SAME_CLOSURE_SECONDS, add_missed_closures, add_sealed_spans
from lipwright.phones.phone import Phone, fill_timeline


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


# -- a network's sealed spans (add_sealed_spans) --

def test_a_consonant_a_bilabial_is_misheard_as_becomes_that_bilabial_where_the_lips_were_shut():
    base = [Phone("SIL", 0.0, 0.2), Phone("AH", 0.2, 0.35), Phone("D", 0.35, 0.42), Phone("AE", 0.42, 0.6),
            Phone("N", 0.6, 0.7), Phone("IY", 0.7, 0.9), Phone("K", 0.9, 0.97), Phone("SIL", 0.97, 1.2)]
    merged = add_sealed_spans(base, [(0.36, 0.43), (0.62, 0.69), (0.9, 0.95)], 1.2)
    assert labels(merged) == ["SIL", "AH", "B", "AE", "M", "IY", "P", "SIL"]
    assert [(p.start, p.end) for p in merged] == [(p.start, p.end) for p in base]  # timing kept


def test_sealed_lips_over_a_vowel_cut_a_closure_in_over_the_span():
    base = [Phone("SIL", 0.0, 0.2), Phone("AA", 0.2, 0.5), Phone("L", 0.5, 0.6), Phone("SIL", 0.6, 0.9)]
    merged = add_sealed_spans(base, [(0.3, 0.37)], 0.9)
    assert labels(merged) == ["SIL", "AA", "B", "AA", "L", "SIL"]
    assert (merged[2].start, merged[2].end) == (0.3, 0.37)


def test_shut_lips_in_a_pause_are_rest_and_only_the_part_over_speech_is_a_closure():
    base = [Phone("SIL", 0.0, 0.4), Phone("AY", 0.4, 0.6), Phone("SIL", 0.6, 1.0)]
    assert add_sealed_spans(base, [(0.05, 0.35), (0.7, 0.95)], 1.0) == base
    merged = add_sealed_spans(base, [(0.2, 0.45)], 1.0)  # a phrase-initial "by" the search heard as "eye"
    assert labels(merged) == ["SIL", "B", "AY", "SIL"]
    assert (merged[1].start, merged[1].end) == (0.4, 0.45)


def test_a_span_beside_a_closure_already_heard_adds_nothing():
    base = [Phone("AA", 0.0, 0.3), Phone("M", 0.3, 0.36), Phone("AA", 0.36, 0.6)]
    assert add_sealed_spans(base, [(0.37, 0.4), (0.26, 0.3)], 0.6) == base


def test_a_span_that_bridges_a_pause_closes_on_each_side_and_leaves_the_pause_at_rest():
    # Seen on a breathy development voice: lips heard shut from a word's last phone, through the pause,
    # into the next word's first vowel.
    base = [Phone("AA", 0.0, 0.2), Phone("L", 0.2, 0.28), Phone("SIL", 0.28, 1.05), Phone("AO", 1.05, 1.3)]
    merged = add_sealed_spans(base, [(0.27, 1.1)], 1.3)
    assert Phone("SIL", 0.28, 1.05) in merged
    assert [p for p in merged if p.label == "B"] == [Phone("B", 0.27, 0.28), Phone("B", 1.05, 1.1)]


CONSONANTS_AND_VOWELS = ["AA", "IY", "UW", "L", "W", "S", "T", "D", "K", "G", "N", "NG", "F", "V", "TH", "DH", "P",
                         "B", "M", "SIL"]
# Nothing a p/b/m is misheard as: every span cuts a closure in, so spans that bridge pauses are tried too.
VOWELS_AND_PAUSES = ["AA", "IY", "UW", "L", "W", "SIL"]


@pytest.mark.parametrize("inventory", [CONSONANTS_AND_VOWELS, VOWELS_AND_PAUSES], ids=["consonants", "vowels"])
@pytest.mark.parametrize("seed", range(60))
def test_sealed_spans_only_ever_add_closures_to_a_timeline(seed, inventory):
    """Over generated timelines and spans: still a timeline; every closure heard before is kept as it was;
    every non-closure phone is kept, relabelled to its bilabial or trimmed; every span over speech ends
    up with a closure near it; no closure is placed inside a pause."""
    rng = np.random.default_rng(seed)
    edges = np.cumsum(rng.uniform(0.03, 0.25, size=rng.integers(4, 30)))
    base = fill_timeline([Phone(str(rng.choice(inventory)), float(a), float(b)) for a, b in zip(edges, edges[1:])],
                         float(edges[-1] + 0.2))
    duration = base[-1].end
    starts = np.sort(rng.uniform(0, duration, size=rng.integers(0, 8)))
    # Some spans long enough to bridge a pause between two words.
    spans = [(float(s), float(min(s + rng.uniform(0.02, rng.choice([0.15, 0.8])), duration))) for s in starts]
    merged = add_sealed_spans(base, spans, duration)

    assert merged[0].start == 0.0 and merged[-1].end == pytest.approx(duration)
    assert all(a.end == pytest.approx(b.start) and a.start < a.end for a, b in zip(merged, merged[1:]))
    kept = {(p.label, p.start, p.end) for p in merged}
    assert all((p.label, p.start, p.end) in kept for p in base if p.label in BILABIAL_LABELS)
    for phone in merged:
        if phone.label in BILABIAL_LABELS and (phone.label, phone.start, phone.end) not in \
                {(p.label, p.start, p.end) for p in base}:
            assert any(p.label != "SIL" and p.start < phone.end and phone.start < p.end for p in base)
            assert not any(p.label == "SIL" and p.start < phone.end and phone.start < p.end for p in base)
        if phone.label == "SIL":
            assert any(p.label == "SIL" and p.start <= phone.start and phone.end <= p.end for p in base)
    for start, end in spans:
        if any(p.label != "SIL" and p.start < end and start < p.end for p in base):
            assert any(p.label in BILABIAL_LABELS and p.start - SAME_CLOSURE_SECONDS < end
                       and start < p.end + SAME_CLOSURE_SECONDS for p in merged)
