"""Subtitles guide alignment: each cue is aligned on its own stretch of audio; a cue that does not fit
falls back to recognition with a warning, and the other cues stay aligned."""

import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.dereverberate import dereverberated
from lipwright.audio.vowel_openness import vowel_openness
from lipwright.models.network_hearing import NetworkHearing
from lipwright.phones import phones_for_clip
from lipwright.phones.align_cues import cue_span
from lipwright.phones.heard_bilabials import HeardLips, checked_by_networks
from lipwright.phones.open_vowels import opened_as_heard
from lipwright.phones.phone import merged_vowel_repeats
from lipwright.phones.recognise import recognise_phones
from lipwright.phones.subtitles import parse_subtitles
from tests.speech import compose_line

PARTS = [0.6, "Bob made a big map", 1.2, "the moon was bright", 1.5, "pop a bubble", 0.6]
TEXTS = ["Bob made a big map.", "The moon was bright.", "Pop a bubble!"]


@pytest.fixture(scope="module", params=[("espeak-ng", "en-us"), ("flite", "awb")], ids=["espeak-ng", "flite-awb"])
def line(request):
    engine, voice = request.param
    return compose_line(PARTS, engine=engine, voice=voice)


def srt(cues) -> str:
    def stamp(seconds):
        whole = int(seconds)
        return f"00:00:{whole:02d},{int(round((seconds - whole) * 1000)):03d}"
    return "\n".join(f"{i}\n{stamp(start)} --> {stamp(end)}\n{text}\n" for i, (start, end, text) in enumerate(cues, 1))


def bilabials_in(phones, word):
    return [p.label for p in phones if p.label in ("P", "B", "M") and word.start - 0.05 <= p.centre <= word.end + 0.05]


def test_cues_set_by_eye_still_align_every_bilabial_in_its_word(line):
    # Cue times a subtitler might set: starting late, ending early, by up to 0.25 s.
    cues = [(w.start + 0.2, w.end - 0.25, text) for w, text in zip(line.words, TEXTS)]
    track = phones_for_clip(AudioClip(line.samples, line.sample_rate), srt(cues))
    assert track.method == "aligned" and track.warnings == []
    assert [bilabials_in(track.phones, word) for word in line.words] == [["B", "B", "M", "B", "M", "P"], ["M", "B"],
                                                                        ["P", "P", "B", "B"]]
    # Between the cues the face rests.
    for silence in line.silences[1:-1]:
        inside = [p for p in track.phones if p.label != "SIL" and silence.start + 0.1 < p.centre < silence.end - 0.1]
        assert inside == []


def test_a_cue_that_does_not_fit_is_recognised_and_named(line):
    texts = [TEXTS[0], "Elephants never forget the rainy season in Madagascar or anywhere else.", TEXTS[2]]
    cues = [(w.start, w.end, text) for w, text in zip(line.words, texts)]
    track = phones_for_clip(AudioClip(line.samples, line.sample_rate), srt(cues))
    assert track.method == "aligned"
    assert len(track.warnings) == 1 and track.warnings[0].startswith("Cue 2 (")
    first, _, last = line.words
    assert bilabials_in(track.phones, first) == ["B", "B", "M", "B", "M", "P"]
    assert bilabials_in(track.phones, last) == ["P", "P", "B", "B"]
    middle = line.words[1]
    assert any(p.label != "SIL" for p in track.phones if middle.start < p.centre < middle.end)


def test_words_the_dictionary_lacks_are_named_once_for_all_cues():
    line = compose_line([0.4, "the quokka", 1.0, "met a quokka", 0.4], engine="flite", voice="awb")
    cues = [(w.start, w.end, text) for w, text in zip(line.words, ["The quokka.", "Met a quokka."])]
    track = phones_for_clip(AudioClip(line.samples, line.sample_rate), srt(cues))
    assert track.method == "aligned"
    assert len(track.warnings) == 1 and "pronounced by espeak-ng: quokka." in track.warnings[0]
    assert [p.label for p in track.phones if p.label in ("K", "W", "M")] == ["K", "W", "K", "M", "K", "W", "K"]


def test_a_cue_that_does_not_fit_is_recognised_as_recognition_hears_the_line(line):
    """With the room taken out of the whole line (audio/dereverberate.py), then the cue's stretch searched and
    the open vowels the search narrowed opened (phones/open_vowels.py)."""
    texts = [TEXTS[0], "Elephants never forget the rainy season in Madagascar or anywhere else.", TEXTS[2]]
    cues = [(w.start, w.end, text) for w, text in zip(line.words, texts)]
    clip = AudioClip(line.samples, line.sample_rate)
    track = phones_for_clip(clip, srt(cues))
    start, end = cue_span(parse_subtitles(srt(cues)), 1, clip.seconds)  # the stretch the second cue is searched in
    first, last = int(start * line.sample_rate), int(end * line.sample_rate)
    sound = AudioClip(dereverberated(clip).samples[first:last], line.sample_rate)
    searched = merged_vowel_repeats(opened_as_heard(recognise_phones(sound), vowel_openness(sound)))
    expected = [(p.label, round(p.start + start, 4), round(p.end + start, 4)) for p in searched if p.label != "SIL"]
    inside = [(p.label, round(p.start, 4), round(p.end, 4)) for p in track.phones
              if p.label != "SIL" and start <= p.start < end]
    assert expected and inside == expected


def test_a_cue_that_does_not_fit_has_the_open_vowels_its_search_narrowed_opened():
    """A development voice whose "all" the search hears as one long l: the fallback opens it, as recognition does."""
    line = compose_line([0.5, "Bob made a big map", 1.0, "all the tall walls fell", 0.5], voice="en-us-nyc+m1")
    texts = [TEXTS[0], "Elephants never forget the rainy season in Madagascar or anywhere else."]
    cues = [(w.start, w.end, text) for w, text in zip(line.words, texts)]
    clip = AudioClip(line.samples, line.sample_rate)
    track = phones_for_clip(clip, srt(cues))
    start, end = cue_span(parse_subtitles(srt(cues)), 1, clip.seconds)
    sound = AudioClip(dereverberated(clip).samples[int(start * line.sample_rate):int(end * line.sample_rate)],
                      line.sample_rate)
    plain = recognise_phones(sound)
    opened = opened_as_heard(plain, vowel_openness(sound))
    assert opened != plain  # the search narrowed some open vowel here
    inside = [p.label for p in track.phones if p.label != "SIL" and start <= p.start < end]
    assert inside == [p.label for p in merged_vowel_repeats(opened) if p.label != "SIL"]


def test_a_cue_that_does_not_fit_is_weighed_by_the_phone_heads_as_recognition_is():
    """Given the shipped networks' phone heads (as every recognition mode is), the fallback relabels the
    consonants its search confuses with p/b/m, and cuts closures in where the heads hear them, as `fast`
    recognition of that stretch does (phones/heard_bilabials.py)."""
    hearing = NetworkHearing("cpu")

    def listen(sound: AudioClip) -> HeardLips:
        return HeardLips([], *hearing.bilabials(sound))

    line = compose_line([0.5, "the moon was bright", 1.0, "pop a bubble and bob the map", 0.5], voice="en-us")
    texts = [TEXTS[1], "Elephants never forget the rainy season in Madagascar or anywhere else."]
    cues = [(w.start, w.end, text) for w, text in zip(line.words, texts)]
    clip = AudioClip(line.samples, line.sample_rate)
    track = phones_for_clip(clip, srt(cues), hear_bilabials=listen)
    start, end = cue_span(parse_subtitles(srt(cues)), 1, clip.seconds)
    sound = AudioClip(dereverberated(clip).samples[int(start * line.sample_rate):int(end * line.sample_rate)],
                      line.sample_rate)
    plain = opened_as_heard(recognise_phones(sound), vowel_openness(sound))
    weighed = merged_vowel_repeats(checked_by_networks(plain, listen(sound), sound.seconds))
    assert [p.label for p in weighed] != [p.label for p in plain]  # the heads change this stretch's phones
    inside = [(p.label, round(p.start, 4), round(p.end, 4)) for p in track.phones
              if p.label != "SIL" and start <= p.start < end]
    assert inside == [(p.label, round(p.start + start, 4), round(p.end + start, 4)) for p in weighed if p.label != "SIL"]
