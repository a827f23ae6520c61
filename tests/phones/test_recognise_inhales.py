"""Without a transcript the phone search hears an inhale before a phrase as f, th, h or s; brought down first,
it is pause to the search in every recognition mode, and the mouth stays at rest through it."""

from __future__ import annotations

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.audio.pause_noises import without_pause_noises
from lipwright.metrics.lipsync import opening_and_rest
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.phones import phones_for_clip
from lipwright.audio.loudness import SPEECH_FLOOR_DB
from lipwright.phones.phone import SILENCE, Phone
from lipwright.phones.recognise import recognise_phones
from tests.speech import breathing_line

RATE = 16000
PHRASES = ["Bob kept the map by the big barn.", "Nobody knew where the old road went.",
           "Maybe the cat will sit on the mat.", "Give the ball to Paul and walk home."]
SLACK = 0.03  # a phone may reach this far into an inhale's edge


def _breathing_line(engine: str, voice: str) -> tuple[AudioClip, list[tuple[float, float]]]:
    samples, inhales = breathing_line(PHRASES, engine, voice)
    return AudioClip(samples, RATE), inhales


def _spoken_in(phones: list[Phone], spans: list[tuple[float, float]]) -> list[str]:
    return [f"{p.label} {p.start:.2f}-{p.end:.2f}" for p in phones if p.label != SILENCE
            for start, end in spans if p.start < end - SLACK and p.end > start + SLACK]


# Voices whose inhales the phone search hears as h (flite rms) or f and b (espeak-ng); it hears flite awb's as
# silence already.
@pytest.mark.parametrize("engine, voice", [("flite", "rms"), ("espeak-ng", "en-gb+f3")])
def test_the_phone_search_hears_inhales_and_the_recognised_phones_do_not(engine, voice):
    clip, inhales = _breathing_line(engine, voice)
    assert _spoken_in(recognise_phones(clip), inhales)  # the defect this guards against
    assert not _spoken_in(recognise_phones(without_pause_noises(clip, SPEECH_FLOOR_DB)), inhales)
    for mode in ("fast", "accurate"):
        assert not _spoken_in(phones_for_clip(clip, recognition=mode).phones, inhales), mode


def test_the_mouth_rests_through_an_inhale_and_speaks_after_it():
    clip, inhales = _breathing_line("flite", "rms")
    animation = PhonemeModel().animate(AnimationRequest(clip=clip, fps=30.0, recognition="fast"))
    opening, rest = opening_and_rest(animation.weights)
    frames = np.arange(len(rest)) / 30.0
    for start, end in inhales:
        assert rest[(frames >= start + SLACK) & (frames <= end - 0.1)].all()  # anticipation may start 0.1 s early
        assert opening[(frames > end + 0.1) & (frames < end + 1.2)].max() > 0.3
