"""A long line's phone pass runs piece by piece (pocketsphinx's state alignment keeps a table of every frame by
every state, quadratic in the line's length), with the same phones as one pass over the whole line."""

from difflib import SequenceMatcher

import numpy as np
import pytest

import lipwright.phones.align as align
from lipwright.audio.clip import AudioClip
from lipwright.phones.align import align_phones_with_warnings, pieces
from tests.speech import compose_line

SENTENCES = ["Bob made a map of the moon.", "Pam brought some fresh waffles with vanilla.",
             "Maybe we should move the boxes before the weather becomes much worse."]


def _random_spans(rng: np.random.Generator) -> tuple[list[tuple[str, float, float]], float]:
    spans, cursor = [], float(rng.uniform(0, 1))
    for index in range(int(rng.integers(1, 80))):
        cursor += float(rng.choice([0.0, rng.uniform(0, 2.5)]))  # words that run on, or a pause
        length = float(rng.uniform(0.05, 1.5) if rng.random() > 0.02 else rng.uniform(5, 20))  # now and then a very long word
        spans.append((f"w{index}", cursor, cursor + length))
        cursor += length
    return spans, cursor + float(rng.uniform(0, 2))


def test_generated_lines_are_cut_into_pieces_that_cover_them():
    rng = np.random.default_rng(4)
    for _ in range(300):
        spans, seconds = _random_spans(rng)
        longest = float(rng.uniform(2, 30))
        cut = pieces(spans, seconds, longest)
        assert cut[0][0] == 0.0 and cut[-1][1] == seconds
        assert all(a[1] == b[0] for a, b in zip(cut, cut[1:]))  # end to end
        assert [span for _, _, inside in cut for span in inside] == spans  # every word once, in order
        for start, end, inside in cut:
            assert inside and start < end
            assert all(start <= word_start and word_end <= end for _, word_start, word_end in inside)
            # Within `longest`, unless one word alone is longer or it is the last piece (a silent tail).
            assert (inside[-1][2] - start <= longest + 1e-9 or len(inside) == 1) or end == seconds
            if end != seconds:
                assert end - start <= longest + 1e-9 or len(inside) == 1


def test_cuts_in_pauses_fall_on_the_decoders_frames():
    """Word spans from the decoder start and end on its 10 ms frames; each cut between two words does too, so
    that a piece's frames are the whole line's."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        spans, seconds = _random_spans(rng)
        spans = [(word, round(start, 2), round(end, 2)) for word, start, end in spans]
        spans = [span for span in spans if span[2] > span[1]]
        if not spans:
            continue
        cut = pieces(spans, seconds, float(rng.uniform(2, 30)), grid=0.01)
        assert [span for _, _, inside in cut for span in inside] == spans
        for (start, end, inside), following in zip(cut, cut[1:]):
            assert abs(end * 100 - round(end * 100)) < 1e-6, end
            assert inside[-1][2] <= end <= max(following[2][0][1], inside[-1][2])


def test_a_line_no_longer_than_a_piece_is_one_piece():
    spans = [("a", 0.5, 1.0), ("b", 1.2, 2.0)]
    assert pieces(spans, 3.0, 30.0) == [(0.0, 3.0, spans)]


def test_a_cut_falls_in_the_widest_pause_of_the_second_half():
    spans = [("a", 0.0, 1.0), ("b", 1.1, 4.0), ("c", 4.2, 6.0), ("d", 7.0, 9.0), ("e", 9.1, 12.0)]
    cut = pieces(spans, 13.0, 10.0)
    assert [piece[0] for piece in cut] == [0.0, 6.5] and cut[0][2] == spans[:3]


@pytest.fixture(scope="module")
def long_line() -> tuple[AudioClip, str]:
    parts: list = [0.3]
    for sentence in SENTENCES * 3:
        parts += [sentence, 0.4]
    line = compose_line(parts, engine="espeak-ng", voice="en-us")
    return AudioClip(line.samples.astype(np.float32), line.sample_rate), " ".join(SENTENCES * 3)


def test_pieces_align_the_phones_one_pass_aligns(long_line, monkeypatch):
    clip, transcript = long_line
    whole, _ = align_phones_with_warnings(clip, transcript)
    passes = []
    real = align._align_phones_inside_words
    monkeypatch.setattr(align, "PIECE_SECONDS", 6.0)
    monkeypatch.setattr(align, "_align_phones_inside_words", lambda *given: passes.append(1) or real(*given))
    cut, warnings = align_phones_with_warnings(clip, transcript)
    assert clip.seconds > 20 and not warnings and len(passes) >= 4  # the line went piece by piece
    # No pause where one pass found speech (the phone pass stops a frame short of each piece's end).
    for phone in cut:
        if phone.label == "SIL":
            middle = 0.5 * (phone.start + phone.end)
            assert any(p.label == "SIL" and p.start - 0.02 <= middle <= p.end + 0.02 for p in whole), phone
    # The same phones (a cut in a pause may split its silence in two), nearly all at the same times.
    cut, whole = [p for p in cut if p.label != "SIL"], [p for p in whole if p.label != "SIL"]
    assert [p.label for p in cut] == [p.label for p in whole]
    moved = [max(abs(a.start - b.start), abs(a.end - b.end)) for a, b in zip(cut, whole)]
    assert np.mean(np.array(moved) <= 0.011) >= 0.97, f"{sum(m > 0.011 for m in moved)} of {len(moved)} boundaries moved"


def test_a_piece_whose_phone_pass_fails_spreads_its_words_phones(long_line, monkeypatch):
    clip, transcript = long_line
    whole, _ = align_phones_with_warnings(clip, transcript)
    calls = []
    real = align._align_phones_inside_words

    def failing_second(*given):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("Alignment failed in frame 7")
        return real(*given)

    monkeypatch.setattr(align, "PIECE_SECONDS", 6.0)
    monkeypatch.setattr(align, "_align_phones_inside_words", failing_second)
    cut, warnings = align_phones_with_warnings(clip, transcript)
    assert warnings == ["Phone-level alignment failed; phone timing inside each word is estimated."]
    spoken, reference = [p for p in cut if p.label != "SIL"], [p for p in whole if p.label != "SIL"]
    # The first piece aligned as before; the failed one spread its words' dictionary phones (whose vowels can
    # differ from the variants the aligner picks), so every word still has its phones.
    assert [p.label for p in spoken[:20]] == [p.label for p in reference[:20]]
    assert abs(len(spoken) - len(reference)) <= 0.05 * len(reference)
    assert cut[0].start == 0.0 and cut[-1].end == pytest.approx(clip.seconds)


@pytest.mark.parametrize("seed", range(8))
def test_generated_lines_align_in_pieces_as_in_one_pass(seed, monkeypatch):
    """Over generated lines (voices, sentence orders, pauses of 0.15-1 s between sentences, pieces of 6-10 s):
    the same phones as one pass, nearly all at the same times, and no pause where one pass heard speech. (A
    cut where the words run on for a whole piece, with no pause to cut in, still moves phones near it: left,
    see RESULTS.)"""
    rng = np.random.default_rng(seed)
    engine, voice = [("espeak-ng", "en-us"), ("espeak-ng", "en-gb"), ("flite", "awb"), ("flite", "rms")][seed % 4]
    order = [SENTENCES[i] for i in rng.integers(0, len(SENTENCES), 7)]
    parts: list = [0.3]
    for sentence in order:
        parts += [sentence, float(rng.uniform(0.15, 1.0))]
    line = compose_line(parts, engine=engine, voice=voice)
    clip, transcript = AudioClip(line.samples.astype(np.float32), line.sample_rate), " ".join(order)
    whole, _ = align_phones_with_warnings(clip, transcript)
    monkeypatch.setattr(align, "PIECE_SECONDS", float(rng.uniform(6.0, 10.0)))
    cut, warnings = align_phones_with_warnings(clip, transcript)
    assert not warnings
    for phone in cut:
        if phone.label == "SIL":
            middle = 0.5 * (phone.start + phone.end)
            assert any(p.label == "SIL" and p.start - 0.02 <= middle <= p.end + 0.02 for p in whole), phone
    # Each piece says every word as the whole line's word pass heard it ("the" as DH AH or DH IY; left to
    # itself a piece picked another in up to 3% of phones): the same phones, nearly all at the same times
    # (each piece's cepstral mean is its own).
    cut, whole = [p for p in cut if p.label != "SIL"], [p for p in whole if p.label != "SIL"]
    matcher = SequenceMatcher(a=[p.label for p in cut], b=[p.label for p in whole], autojunk=False)
    assert [p.label for p in cut] == [p.label for p in whole], matcher.get_opcodes()
    moved = [max(abs(a.start - b.start), abs(a.end - b.end)) for a, b in zip(cut, whole)]
    assert np.mean(np.array(moved) <= 0.011) >= 0.9, f"{sum(m > 0.011 for m in moved)} of {len(moved)} moved"
    assert max(moved) <= 0.15
