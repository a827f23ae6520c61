"""little_speech_warning: music and noise are called out; spoken lines in many voices are not."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.phones import recognise_phones
from lipwright.phones.speech_presence import little_speech_warning
from tests.speech import synthesise

RATE = 16000


def melody(seconds: float = 4.0, seed: int = 0) -> np.ndarray:
    """Plucked notes with harmonics, a new note every half second."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros_like(t)
    for start in np.arange(0.0, seconds, 0.5):
        note = (t >= start) & (t < start + 0.5)
        pitch = 220.0 * 2 ** (rng.integers(0, 12) / 12)
        for harmonic in range(1, 6):
            out[note] += 0.3 / harmonic * np.sin(2 * np.pi * pitch * harmonic * t[note])
        out[note] *= np.minimum(1.0, (t[note] - start) * 20)
    return (0.5 * out).astype(np.float32)


def drums(seconds: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(1)
    out = np.zeros(int(seconds * RATE))
    hit = int(0.1 * RATE)
    for start in range(0, len(out) - hit, RATE // 4):
        out[start:start + hit] += rng.standard_normal(hit) * np.exp(-np.arange(hit) / 400) * 0.5
    return out.astype(np.float32)


def warning_for(samples: np.ndarray) -> str | None:
    clip = AudioClip(samples, RATE)
    return little_speech_warning(clip, recognise_phones(clip))


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: melody(seed=0), "Little speech"),
        (lambda: melody(seed=3), "Little speech"),
        (lambda: melody(seed=7), "Little speech"),
        (lambda: (0.2 * np.random.default_rng(0).standard_normal(4 * RATE)).astype(np.float32), "No speech"),
        (lambda: sum(0.1 * np.sin(2 * np.pi * f * np.arange(3 * RATE) / RATE)
                     for f in (261.6, 329.6, 392.0)).astype(np.float32), "No speech"),
        (drums, "No speech"),
    ],
    ids=["melody", "another-melody", "a-third-melody", "noise", "chord", "drums"],
)
def test_music_and_noise_are_called_out(make, expected):
    warning = warning_for(make())
    assert warning is not None and warning.startswith(expected)


@pytest.mark.parametrize(
    "engine, voice, rate",
    [("espeak-ng", "en-us", None), ("espeak-ng", "en-gb", 200), ("espeak-ng", "en-us+f3", 130), ("espeak-ng", "en-us", 90),
     ("flite", "awb", None), ("flite", "rms", None)],
)
@pytest.mark.parametrize("text", [
    "Keep up, I already told all the other kids that the art was odd.",
    "Bob bought a map of the moon.",
    "Where were you when the lights went out?",
    "Oh, well, yes, no. Hmm, really? Wow.",
])
def test_spoken_lines_are_not_called_out(engine, voice, rate, text):
    speech = synthesise(text, engine=engine, voice=voice, rate=rate)
    pause = np.zeros(RATE // 2, np.float32)
    assert warning_for(np.concatenate([pause, speech, pause])) is None
