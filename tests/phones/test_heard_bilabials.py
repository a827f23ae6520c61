"""weigh_bilabials: recognised consonants relabelled by the p/b/m probability networks hear, on hand-made
and generated timelines, and the wiring of recognition "network" on real speech."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.dereverberate import dereverberated
from lipwright.phones.closures import BILABIAL_FOR, BILABIAL_LABELS, add_sealed_spans
from lipwright.phones.heard_bilabials import (CONFIRM, COUNTERPART, KEEP, HeardLips, checked_by_networks, frames_near,
                                              weigh_bilabials)
from lipwright.phones.phone import Phone
from lipwright.phones.recognise import recognise_phones
from lipwright.phones.track import phones_for_clip
from tests.speech import synthesise

FPS = 10.0
LABELS = ("SIL", "AA", "IY", "S", "L", "R", *BILABIAL_FOR, *COUNTERPART)


def labels(phones):
    return [p.label for p in phones]


def test_a_heard_bilabial_relabels_a_consonant_and_an_unheard_one_is_dropped():
    phones = [Phone("SIL", 0.0, 0.2), Phone("T", 0.2, 0.3), Phone("AA", 0.3, 0.6), Phone("M", 0.6, 0.7),
              Phone("IY", 0.7, 1.0)]
    bilabial = np.zeros(10)
    bilabial[2] = 0.9  # over the T
    weighed = weigh_bilabials(phones, bilabial, FPS)
    assert labels(weighed) == ["SIL", "P", "AA", "N", "IY"]
    assert [(p.start, p.end) for p in weighed] == [(p.start, p.end) for p in phones]  # timing kept


def test_a_bilabial_heard_clearly_over_a_vowel_cuts_in_a_closure_and_one_in_a_pause_does_not():
    phones = [Phone("SIL", 0.0, 0.2), Phone("AA", 0.2, 0.8), Phone("SIL", 0.8, 1.0)]
    bilabial = np.zeros(10)
    bilabial[[5, 9]] = CONFIRM  # inside the vowel, and in the pause after it
    checked = checked_by_networks(phones, HeardLips([], bilabial, FPS), 1.0)
    assert [(p.label, p.start, p.end) for p in checked if p.label in BILABIAL_LABELS] == [("B", 0.5, 0.6)]
    bilabial[5] = np.nextafter(CONFIRM, 0)
    assert checked_by_networks(phones, HeardLips([], bilabial, FPS), 1.0) == phones


def test_evidence_one_frame_beside_a_phone_counts_and_two_frames_away_does_not():
    phones = [Phone("AA", 0.0, 0.4), Phone("D", 0.4, 0.5), Phone("AA", 0.5, 1.0)]  # covers frame 4
    for frame, heard in ((3, "B"), (5, "B"), (2, "D"), (6, "D")):
        bilabial = np.zeros(10)
        bilabial[frame] = 1.0
        assert labels(weigh_bilabials(phones, bilabial, FPS))[1] == heard, frame


def test_a_phone_off_the_frame_grid_reads_the_frames_it_overlaps_and_one_either_side():
    assert frames_near(0.45, 0.52, 100, FPS) == slice(3, 7)  # overlaps frames 4 and 5
    assert frames_near(4.1, 8.3, 1000, 30.0) == slice(122, 250)  # 4.1 x 30 is 122.99999... in floats
    assert frames_near(0.0, 0.05, 100, FPS) == slice(0, 2)
    assert frames_near(0.95, 1.0, 10, FPS) == slice(8, 10)


def test_the_thresholds_are_inclusive_where_they_say_so():
    phones = [Phone("AA", 0.0, 0.2), Phone("K", 0.2, 0.3), Phone("AA", 0.3, 0.4), Phone("B", 0.4, 0.5)]
    at = np.zeros(6)
    at[2], at[4] = CONFIRM, KEEP
    assert labels(weigh_bilabials(phones, at, FPS)) == ["AA", "P", "AA", "B"]
    under = at.copy()
    under[2], under[4] = np.nextafter(CONFIRM, 0), np.nextafter(KEEP, 0)
    assert labels(weigh_bilabials(phones, under, FPS)) == ["AA", "K", "AA", "D"]


def test_phones_past_the_frames_heard_or_over_unheard_frames_keep_their_labels():
    phones = [Phone("AA", 0.0, 0.5), Phone("P", 1.2, 1.3), Phone("T", 1.3, 1.4)]
    assert weigh_bilabials(phones, np.zeros(5), FPS) == phones
    unheard = np.full(20, np.nan)
    unheard[:3] = 1.0  # heard only before the P
    assert weigh_bilabials(phones, unheard, FPS) == phones


def test_each_counterpart_is_a_consonant_the_search_hears_for_that_bilabial():
    assert set(COUNTERPART) == set(BILABIAL_LABELS)
    assert all(BILABIAL_FOR[COUNTERPART[bilabial]] == bilabial for bilabial in COUNTERPART)


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ValueError, match="keep <= confirm"):
        weigh_bilabials([], np.zeros(3), FPS, confirm=0.1, keep=0.3)


def generated(seed: int) -> tuple[list[Phone], np.ndarray]:
    rng = np.random.default_rng(seed)
    ends = np.cumsum(rng.uniform(0.03, 0.25, size=int(rng.integers(1, 30))))
    starts = np.concatenate([[0.0], ends[:-1]])
    phones = [Phone(str(rng.choice(LABELS)), float(a), float(b)) for a, b in zip(starts, ends)]
    frames = int(np.ceil(ends[-1] * FPS)) + int(rng.integers(-3, 2))
    return phones, rng.uniform(0, 1, max(frames, 0)) ** float(rng.uniform(0.3, 3))


@pytest.mark.parametrize("seed", range(200))
def test_over_generated_timelines_only_the_labels_of_confusable_consonants_change_as_heard(seed):
    """Invariant: the same phones at the same times; a label changes only from a consonant the search
    confuses with p/b/m to its bilabial where the highest probability near it reaches CONFIRM, or from a
    bilabial to its counterpart where it stays under KEEP; weighing twice changes nothing more."""
    phones, bilabial = generated(seed)
    weighed = weigh_bilabials(phones, bilabial, FPS)
    assert [(p.start, p.end) for p in weighed] == [(p.start, p.end) for p in phones]
    for before, after in zip(phones, weighed):
        near = bilabial[frames_near(before.start, before.end, len(bilabial), FPS)]
        heard = near.max() if len(near) else None
        if before.label in BILABIAL_FOR and heard is not None and heard >= CONFIRM:
            assert after.label == BILABIAL_FOR[before.label]
        elif before.label in BILABIAL_LABELS and heard is not None and heard < KEEP:
            assert after.label == COUNTERPART[before.label]
        else:
            assert after.label == before.label
    assert weigh_bilabials(weighed, bilabial, FPS) == weighed


@pytest.mark.parametrize("seed", range(50))
def test_certainty_either_way_decides_every_confusable_consonant(seed):
    phones, bilabial = generated(seed)
    heard = [p for p in weigh_bilabials(phones, np.ones(len(bilabial) + 5), FPS)]
    unheard = [p for p in weigh_bilabials(phones, np.zeros(len(bilabial) + 5), FPS)]
    assert not any(p.label in BILABIAL_FOR for p in heard)
    assert not any(p.label in BILABIAL_LABELS for p in unheard)


def test_recognition_network_weighs_the_searchs_phones_at_their_rate_before_adding_sealed_spans():
    """On real speech: what the networks hear reaches the phones through phones_for_clip, read at the
    heads' own frame rate, and a span where a network sealed the lips still closes a consonant the heads
    did not hear as p/b/m (weighing first, then the sealed spans)."""
    clip = AudioClip(synthesise("Pick up the bag, Tim, and put it by the door.", voice="en-gb"), 16000)
    searched = recognise_phones(dereverberated(clip))  # what recognition searches (phones/track.py)
    confusable = [p for p in searched if p.label in BILABIAL_FOR]
    assert len(confusable) >= 2
    frames = int(np.ceil(clip.seconds * 15))

    def network(sealed, bilabial, fps=15.0):
        return phones_for_clip(clip, None, "network", lambda _: HeardLips(sealed, bilabial, fps)).phones

    sure, unsure = network([], np.ones(frames)), network([], np.zeros(frames))
    assert sum(p.label in BILABIAL_LABELS for p in sure) == sum(
        p.label in BILABIAL_LABELS or p.label in BILABIAL_FOR for p in searched)
    assert not any(p.label in BILABIAL_LABELS for p in unsure)
    assert network([], None) == searched
    first, last = confusable[0], confusable[-1]
    only_last = np.full(frames, KEEP)  # nothing vetoed, nothing confirmed...
    only_last[frames_near(last.start, last.end, frames, 15.0)] = 1.0  # ...but the last confusable consonant
    heard = network([], only_last)
    assert [p.label for p in heard if (p.start, p.end) == (last.start, last.end)] == [BILABIAL_FOR[last.label]]
    assert [p.label for p in heard if (p.start, p.end) == (first.start, first.end)] == [first.label]
    sealed_first = network([(first.start, first.end)], np.zeros(frames))
    assert [p.label for p in sealed_first if (p.start, p.end) == (first.start, first.end)] == [BILABIAL_FOR[first.label]]


def runs_at_least(bilabial: np.ndarray, level: float) -> list[tuple[float, float]]:
    """The test's own reading of the heads' spans: runs of frames heard at `level` or more, frame t over
    [t / FPS, (t + 1) / FPS)."""
    spans, start = [], None
    for frame, value in enumerate([*bilabial, np.nan]):
        if value >= level and start is None:
            start = frame
        elif not value >= level and start is not None:
            spans.append((start / FPS, frame / FPS))
            start = None
    return spans


@pytest.mark.parametrize("seed", range(150))
def test_over_generated_timelines_sealing_after_weighing_keeps_every_closure_the_heads_kept(seed):
    """Invariant of the weighed phones: every closure left after weighing stays, with its timing; every span a
    network sealed over speech, and every run of frames the heads hear as p/b/m with at least CONFIRM, closes
    the lips, and every other closure lies under such a span; the result still covers the clip, phone after
    phone; with no heads it is the sealed spans alone."""
    phones, bilabial = generated(seed)
    rng = np.random.default_rng(1000 + seed)
    bilabial[rng.uniform(size=len(bilabial)) < 0.1] = np.nan  # frames no head heard
    duration = phones[-1].end
    starts = np.sort(rng.uniform(0, duration, size=int(rng.integers(0, 6))))
    sealed = [(float(a), float(min(a + rng.uniform(0.02, 0.3), duration))) for a in starts]
    checked = checked_by_networks(phones, HeardLips(sealed, bilabial, FPS), duration)
    kept = [p for p in weigh_bilabials(phones, bilabial, FPS) if p.label in BILABIAL_LABELS]
    assert all(p in checked for p in kept)
    closing = sealed + [(start, min(end, duration)) for start, end in runs_at_least(bilabial, CONFIRM)]
    for phone in (p for p in checked if p.label in BILABIAL_LABELS and p not in kept):
        assert any(phone.start < end and start < phone.end for start, end in closing), phone
    closures = [p for p in checked if p.label in BILABIAL_LABELS]
    for start, end in closing:
        if any(p.label != "SIL" and p.start < end and start < p.end for p in phones):
            assert any(p.start < end + 0.03 and start - 0.03 < p.end for p in closures), (start, end)
    assert checked[0].start == 0.0 and checked[-1].end == pytest.approx(duration)
    assert all(a.end == pytest.approx(b.start) for a, b in zip(checked, checked[1:]))
    assert checked_by_networks(phones, HeardLips(sealed, None, FPS), duration) == add_sealed_spans(
        phones, sealed, duration)


def test_a_muffled_line_is_weighed_by_the_heads_more_sparingly():
    """Low-passed at 3 kHz, a t, d or k burst sounds like a p or b to the heads: recognition weighs a muffled
    line's phones at MUFFLED_CONFIRM / MUFFLED_KEEP, a clear line's at CONFIRM / KEEP."""
    from scipy import signal

    from lipwright.audio.vowel_openness import vowel_openness
    from lipwright.models.network_hearing import NetworkHearing
    from lipwright.phones.heard_bilabials import MUFFLED_CONFIRM, MUFFLED_KEEP
    from lipwright.phones.open_vowels import opened_as_heard
    from lipwright.phones.phone import merged_vowel_repeats

    hearing = NetworkHearing("cpu")

    def listen(sound):
        return HeardLips([], *hearing.bilabials(sound))

    speech = synthesise("Tom took the cat to the dock, and Dad kept a pot of tea by the table.", voice="en-us")
    muffled = signal.sosfiltfilt(signal.butter(8, 3000, "lowpass", fs=16000, output="sos"), speech)
    clip = AudioClip(muffled.astype(np.float32), 16000)
    sound = dereverberated(clip)
    searched = opened_as_heard(recognise_phones(sound), vowel_openness(sound))
    sparing = merged_vowel_repeats(checked_by_networks(searched, listen(sound), sound.seconds, MUFFLED_CONFIRM,
                                                       MUFFLED_KEEP))
    usual = merged_vowel_repeats(checked_by_networks(searched, listen(sound), sound.seconds))
    assert sparing != usual  # the thresholds decide something on this line
    assert phones_for_clip(clip, None, "fast", hear_bilabials=listen).phones == sparing
