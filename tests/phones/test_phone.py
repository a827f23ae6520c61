"""Phone labels and the timeline invariant: phones cover the whole clip, gaps are silence."""

from lipwright.phones import SILENCE, Phone, fill_timeline
from lipwright.phones.phone import merged_vowel_repeats, normalise_label


def test_labels_lose_stress_and_fillers_become_silence():
    assert normalise_label("AA1") == "AA"
    assert normalise_label("p") == "P"
    for filler in ("SIL", "+NSN+", "+SPN+", "<sil>", "[NOISE]", "+BREATH+"):
        assert normalise_label(filler) == SILENCE


def test_timeline_fills_gaps_clips_and_merges_silence():
    phones = [Phone("B", 0.2, 0.3), Phone("AA", 0.3, 0.5), Phone("SIL", 0.5, 0.6), Phone("P", 0.8, 1.4)]
    timeline = fill_timeline(phones, 1.2)
    assert [p.label for p in timeline] == ["SIL", "B", "AA", "SIL", "P"]
    assert timeline[0].start == 0.0 and timeline[-1].end == 1.2
    assert all(a.end == b.start for a, b in zip(timeline, timeline[1:]))
    assert timeline[3] == Phone("SIL", 0.5, 0.8)


def test_overlapping_phones_do_not_go_back_in_time():
    timeline = fill_timeline([Phone("M", 0.0, 0.3), Phone("IY", 0.25, 0.5)], 0.5)
    assert [(p.label, p.start, p.end) for p in timeline] == [("M", 0.0, 0.3), ("IY", 0.3, 0.5)]


def test_touching_vowels_of_one_label_become_one():
    phones = [Phone("SIL", 0.0, 0.1), Phone("AA", 0.1, 0.17), Phone("AA", 0.17, 0.2), Phone("B", 0.2, 0.26),
              Phone("B", 0.26, 0.3), Phone("AA", 0.3, 0.4), Phone("AA", 0.45, 0.5), Phone("AO", 0.5, 0.6)]
    # Vowels only: a consonant keeps the timing the search gave it.
    assert merged_vowel_repeats(phones) == [Phone("SIL", 0.0, 0.1), Phone("AA", 0.1, 0.2), Phone("B", 0.2, 0.26),
                                      Phone("B", 0.26, 0.3), Phone("AA", 0.3, 0.4), Phone("AA", 0.45, 0.5),
                                      Phone("AO", 0.5, 0.6)]
    assert merged_vowel_repeats([]) == [] and merged_vowel_repeats(phones[:1]) == phones[:1]
