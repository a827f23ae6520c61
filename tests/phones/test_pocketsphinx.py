"""Recognition and alignment on real synthetic speech whose timing is known, and the failure paths."""

import threading

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.decode import load_audio
from lipwright.errors import TranscriptError
from lipwright.phones import AlignmentFailed, align_phones, phones_for_clip, recognise_phones
from lipwright.phones.decoders import aligner, phone_recogniser
from tests.speech import compose_line, speak

P_WORDS = ["happy", "a puppy", "upper", "hoping", "apple pie"]


def clip_of(line):
    return AudioClip(line.samples, line.sample_rate)


def assert_covers(phones, clip):
    assert phones[0].start == 0.0
    assert phones[-1].end == pytest.approx(clip.seconds)
    assert all(a.end == pytest.approx(b.start) for a, b in zip(phones, phones[1:]))


def time_in(phones, start, end, speech: bool) -> float:
    """Fraction of [start, end] covered by speech phones (speech=True) or by silence."""
    covered = sum(max(0.0, min(p.end, end) - max(p.start, start))
                  for p in phones if (p.label != "SIL") == speech)
    return covered / (end - start)


@pytest.fixture(scope="module")
def pauses_line():
    return compose_line([0.6, "father", 0.7, "saw the", 0.5, "big", 0.8, "moon", 0.6], engine="flite", voice="rms")


def test_recognition_finds_speech_and_silence(pauses_line):
    clip = clip_of(pauses_line)
    phones = recognise_phones(clip)
    assert_covers(phones, clip)
    for word in pauses_line.words:
        assert time_in(phones, word.start, word.end, speech=True) > 0.6, word
    for pause in pauses_line.silences:
        # Edges blur by a frame or two; the middle of every pause must read as silence.
        assert time_in(phones, pause.start + 0.08, pause.end - 0.08, speech=False) > 0.9, pause


@pytest.mark.parametrize("engine,voice", [("flite", "rms"), ("flite", "awb"), ("espeak-ng", "en-us")])
def test_aligned_p_lands_on_the_lip_closure(engine, voice):
    """Every 'p' between sounds shows as a silent gap in the waveform; its aligned centre must
    fall within 50 ms of the gap's centre."""
    line = compose_line([0.4] + [part for word in P_WORDS for part in (word, 0.3)], engine, voice)
    clip = clip_of(line)
    phones = align_phones(clip, ", ".join(P_WORDS) + ".")
    assert_covers(phones, clip)
    errors = []
    for word in line.words:
        gaps = line.closures(word)
        p_phones = [p for p in phones if p.label == "P" and word.start - 0.02 <= p.centre <= word.end + 0.02]
        assert len(p_phones) == word.text.count("p") - word.text.count("pp"), word
        assert len(gaps) == len(p_phones), word
        errors += [abs(gap.centre - p.centre) for gap, p in zip(gaps, p_phones)]
    assert len(errors) == 7
    assert max(errors) <= 0.05, errors


def test_alignment_keeps_every_bilabial_in_order():
    line = compose_line([0.3, "Bob made a big map", 0.3], engine="flite", voice="awb")
    phones = align_phones(clip_of(line), "Bob made a big map!")
    assert [p.label for p in phones if p.label in ("P", "B", "M")] == ["B", "B", "M", "B", "M", "P"]


def test_unknown_words_get_guessed_pronunciations_and_a_warning_naming_them():
    line = compose_line([0.2, "the quokka met Lipwright", 0.2], engine="flite", voice="awb")
    track = phones_for_clip(clip_of(line), "The quokka met Lipwright.")
    assert track.method == "aligned"
    assert len(track.warnings) == 1 and "lipwright, quokka" in track.warnings[0]
    labels = [p.label for p in track.phones if p.label != "SIL"]
    # quokka K W AA K AH, met M EH T, Lipwright L IH P R AY T: the guessed words' closures are there.
    assert labels.count("P") == 1 and labels.count("M") == 1 and labels[-6:] == ["L", "IH", "P", "R", "AY", "T"]
    # The aligner keeps what it learnt, but a guess stays a guess: the next job says so again.
    assert phones_for_clip(clip_of(line), "The quokka met Lipwright.").warnings == track.warnings


def test_without_espeak_ng_unknown_words_are_spelled_out_with_a_warning(monkeypatch):
    line = compose_line([0.2, "the zorbex met us", 0.2], engine="flite", voice="awb")
    monkeypatch.setenv("PATH", "/nonexistent")  # as on a machine without espeak-ng
    track = phones_for_clip(clip_of(line), "The zorbex met us.")
    assert track.method == "aligned"
    assert len(track.warnings) == 1 and "simple spelling rules (install espeak-ng" in track.warnings[0]
    assert "zorbex" in track.warnings[0]


def test_numbers_are_aligned_as_spoken_words():
    line = compose_line([0.2, "forty two", 0.2], engine="flite", voice="awb")
    track = phones_for_clip(clip_of(line), "42")
    assert track.method == "aligned" and track.warnings == []
    assert [p.label for p in track.phones if p.label != "SIL"] == "F AO R T IY T UW".split()


def test_a_transcript_without_words_is_refused():
    line = compose_line([0.2, "hello", 0.2], engine="flite", voice="awb")
    with pytest.raises(TranscriptError, match="no words"):
        phones_for_clip(clip_of(line), "… — !")


def test_transcript_that_cannot_fit_the_audio_falls_back_to_recognition():
    """Half a second of speech cannot hold a forty-word transcript: the aligner really fails."""
    line = compose_line([0.1, "happy", 0.1], engine="flite")
    clip = clip_of(line)
    transcript = " ".join(["the quick brown fox jumps over the lazy dog"] * 5)
    with pytest.raises(AlignmentFailed, match="could not be aligned"):
        align_phones(clip, transcript)
    track = phones_for_clip(clip, transcript)
    assert track.method == "recognised" and track.recognised_by in ("words", "phones")
    assert len(track.warnings) == 1 and "Fell back to recognising" in track.warnings[0]
    assert_covers(track.phones, clip)
    assert any(p.label != "SIL" for p in track.phones)


def test_phones_for_clip_aligns_when_it_can(pauses_line):
    track = phones_for_clip(clip_of(pauses_line), "Father saw the big moon.")
    assert track.method == "aligned" and track.warnings == []
    assert [p.label for p in track.phones if p.label != "SIL"][:4] == ["F", "AA", "DH", "ER"]
    assert phones_for_clip(clip_of(pauses_line)).method == "recognised"


def test_recognition_does_not_depend_on_the_clips_heard_before(tmp_path):
    first = load_audio(speak("Bob bought a big map of the moon.", tmp_path / "a.wav", engine="flite", voice="awb"))
    other = load_audio(speak("The quick brown fox jumps over the lazy dog and then sleeps.", tmp_path / "b.wav",
                             voice="en-us+f3"))
    before = recognise_phones(first)
    recognise_phones(other)
    assert recognise_phones(first) == before


def test_decoders_are_built_once_and_safe_to_share(pauses_line):
    assert phone_recogniser() is phone_recogniser() and aligner() is aligner()
    clip = clip_of(pauses_line)
    expected = recognise_phones(clip)
    results = [None, None]

    def work(i):
        results[i] = recognise_phones(clip)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results[0] == expected and results[1] == expected


def test_resampled_clip_gives_the_same_phones(pauses_line):
    import soxr

    clip = clip_of(pauses_line)
    at_48k = AudioClip(soxr.resample(clip.samples, 16000, 48000).astype(np.float32), 48000)
    phones = align_phones(at_48k, "father saw the big moon")
    reference = align_phones(clip, "father saw the big moon")
    assert [p.label for p in phones] == [p.label for p in reference]
