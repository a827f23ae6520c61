"""No transcript: words recognised with the full English language model, then aligned as a transcript."""

import numpy as np
import pytest
import soundfile
from pydantic import ValidationError

from lipwright.audio.clip import AudioClip
from lipwright.jobs.animation_job import JobOptions
from lipwright.phones import phones_for_clip
from lipwright.phones.recognise import recognise_words
from tests.speech import compose_line, short_time_db, speak

BILABIALS = ("P", "B", "M")


@pytest.fixture(scope="module")
def line():
    return compose_line([0.4, "maybe my mom bought a map", 0.5, "Bob dropped the apples", 0.4],
                        engine="flite", voice="awb")


def clip_of(line):
    return AudioClip(line.samples, line.sample_rate)


def test_words_are_recognised_in_order(line):
    words = recognise_words(clip_of(line))
    assert len(words) >= 5
    assert all(word == word.lower() and "(" not in word and not word.startswith(("<", "[")) for word in words)


def test_accurate_recognition_aligns_the_heard_words_and_closes_on_bilabials(line):
    clip = clip_of(line)
    track = phones_for_clip(clip, None, "accurate")
    assert track.method == "recognised" and track.recognised_by == "words"
    assert track.phones[0].start == 0.0 and track.phones[-1].end == pytest.approx(clip.seconds)
    # Every silent plosive hold in the waveform (p, b ...) sits inside a recognised bilabial or a
    # neighbouring stop; the bilabial words here (maybe my mom bought a map, Bob dropped) give >= 6.
    bilabials = [p for p in track.phones if p.label in BILABIALS]
    assert len(bilabials) >= 6
    for pause in line.silences[1:-1]:
        inside = [p for p in track.phones if p.start < pause.end - 0.1 and p.end > pause.start + 0.1]
        assert all(p.label == "SIL" for p in inside), pause


def test_fast_recognition_searches_phones(line):
    track = phones_for_clip(clip_of(line), None, "fast")
    assert track.method == "recognised" and track.recognised_by == "phones"


def test_noise_never_crashes_accurate_recognition():
    noise = np.random.default_rng(3).normal(scale=0.2, size=16000).astype(np.float32)
    clip = AudioClip(noise, 16000)
    track = phones_for_clip(clip, None, "accurate")
    assert track.phones[0].start == 0.0 and track.phones[-1].end == pytest.approx(clip.seconds)


def test_unknown_recognition_mode_is_refused(line):
    with pytest.raises(ValueError, match="accurate, fast"):
        phones_for_clip(clip_of(line), None, "perfect")
    with pytest.raises(ValidationError, match="recognition"):
        JobOptions(recognition="perfect")
    assert JobOptions().recognition == "fast"


@pytest.mark.parametrize("voice", ["awb", "rms"])
def test_recognised_phones_stay_out_of_the_quiet_of_pauses(voice, tmp_path):
    """The phone search used to stretch a pause's neighbour 0.2 s into it, opening the mouth early.

    flite's own lead-in (0.2 s of near silence) follows 0.5 s of digital silence here."""
    wav = speak("A small dog dropped the barn all day.", tmp_path / "a.wav", "flite", voice)
    samples, rate = soundfile.read(str(wav), dtype="float32")
    samples = np.concatenate([np.zeros(rate // 2, dtype=np.float32), samples])
    level = short_time_db(samples, rate)
    speech_starts = np.flatnonzero(level > level.max() - 35.0)[0] * 0.005
    track = phones_for_clip(AudioClip(samples, rate), None, "fast")
    first = next(p for p in track.phones if p.label != "SIL")
    assert first.start >= speech_starts - 0.05, (first, speech_starts)


def test_accurate_recognition_keeps_every_closure_the_phone_search_heard():
    # The two searches miss different closures; accurate keeps the phone search's too.
    line = compose_line([0.4, "the cat hopped over the barn for my pal", 0.5, "stop the bus at the top", 0.4],
                        engine="flite", voice="rms")
    clip = clip_of(line)
    accurate = phones_for_clip(clip, None, "accurate").phones
    fast = phones_for_clip(clip, None, "fast").phones
    pauses = [p for p in accurate if p.label == "SIL"]
    for closure in (p for p in fast if p.label in BILABIALS):
        if any(pause.start <= closure.centre < pause.end for pause in pauses):
            continue
        assert any(p.label in BILABIALS and p.start - 0.03 < closure.end and closure.start < p.end + 0.03
                   for p in accurate), closure


def test_a_clip_is_recognised_the_same_whatever_was_decoded_before(line):
    other = compose_line([0.3, "the cat hopped over the barn for my pal", 0.3], engine="flite", voice="rms")
    first = phones_for_clip(clip_of(line), None, "fast").phones
    assert phones_for_clip(clip_of(line), None, "fast").phones == first
    phones_for_clip(clip_of(other), None, "fast")
    phones_for_clip(clip_of(other), None, "accurate")
    assert phones_for_clip(clip_of(line), None, "fast").phones == first
