"""The open-vowel cue: open vowels sound more open than close vowels and l, w, r, whatever the voice's gain
or sample rate."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
import soxr

from lipwright.audio.clip import AudioClip
from lipwright.audio.vowel_openness import STEP_SECONDS, vowel_openness
from lipwright.phones.open_vowels import OPEN_CUE
from lipwright.runs import instants_within
from lipwright.synthetic.augment import coloured_noise
from tests.speech import flite_with_phone_timings, synthesise

OPEN = {"AA", "AE", "AO"}
NARROW = {"IY", "IH", "UW", "UH", "L", "W", "R", "ER"}
SENTENCES = ["All the tall walls fell on a lot of odd cars.", "Walk the dog past the hall and call Paul.",
             "We knew the wool was cool and blue.", "Father taught us to talk calmly about the law."]


def _median(cue: np.ndarray, start: float, end: float) -> float:
    return float(np.median(cue[instants_within(start, end, 1 / STEP_SECONDS, len(cue))]))


@pytest.mark.parametrize("voice", ["awb", "rms"])
def test_open_vowels_sound_more_open_than_narrow_phones(voice, tmp_path):
    """Ranked over every pair of a truth open vowel and a truth close vowel, l, w, r or er: the open one is
    above in at least three pairs of four (0.88 over the development voices)."""
    open_cues, narrow_cues = [], []
    for number, text in enumerate(SENTENCES):
        truth = flite_with_phone_timings(text, voice, tmp_path / f"{number}.wav")
        samples, rate = soundfile.read(str(tmp_path / f"{number}.wav"), dtype="float32")
        cue = vowel_openness(AudioClip(samples, rate))
        for label, start, end in truth:
            if label in OPEN:
                open_cues.append(_median(cue, start, end))
            elif label in NARROW:
                narrow_cues.append(_median(cue, start, end))
    assert len(open_cues) >= 15 and len(narrow_cues) >= 15
    above = np.mean([o > n for o in open_cues for n in narrow_cues])
    assert above >= 0.75, f"open vowels above narrow phones in {above:.2f} of pairs"


def test_the_cue_ignores_gain_and_hears_a_narrowband_line_alike():
    samples = synthesise("Walk the dog past the hall.", voice="en-us", sample_rate=16000)
    cue = vowel_openness(AudioClip(samples, 16000))
    assert len(cue) == len(samples) // 160 + 1
    np.testing.assert_allclose(vowel_openness(AudioClip(samples * 0.05, 16000)), cue, atol=2e-3)
    # The same line at 8 kHz (the F1 band and the pitch both lie under 4 kHz): the same steps, much the same cue.
    narrowband = soxr.resample(samples, 16000, 8000).astype(np.float32)
    heard = vowel_openness(AudioClip(narrowband, 8000))
    assert abs(len(heard) - len(cue)) <= 1
    steps = min(len(heard), len(cue))
    assert np.corrcoef(heard[:steps], cue[:steps])[0, 1] > 0.9


@pytest.mark.parametrize("colour, louder", [("white", 2.0), ("white", 4.0), ("pink", 4.0)])
def test_noise_in_a_pause_never_sounds_open(colour, louder):
    """A burst of noise 6-12 dB over the speech's mean level (a cough, a door, a breath on the microphone):
    its flat spectrum's centre reads open (1.6-2.3 over these steps, unchecked), but nothing in it is periodic."""
    samples = synthesise("Walk the dog past the hall.", voice="en-us", sample_rate=16000)
    loudness = louder * np.sqrt(np.mean(samples ** 2))
    burst = (coloured_noise(2400, colour, np.random.default_rng(0)) * loudness).astype(np.float32)
    line = np.concatenate([samples, np.zeros(8000, np.float32), burst, np.zeros(8000, np.float32), samples])
    cue = vowel_openness(AudioClip(line, 16000))
    inside = instants_within((len(samples) + 8000) / 16000 + 0.02, (len(samples) + 10400) / 16000 - 0.02, 100.0, len(cue))
    assert (cue[inside] < OPEN_CUE).all(), cue[inside].round(2)
    assert cue[:len(samples) // 160].max() > OPEN_CUE  # the line's open vowels still read open


def test_a_line_too_short_or_silent_has_no_cue():
    assert vowel_openness(AudioClip(np.zeros(0, dtype=np.float32), 16000)).shape == (0,)
    assert not vowel_openness(AudioClip(np.full(100, 0.1, dtype=np.float32), 16000)).any()
    assert not vowel_openness(AudioClip(np.zeros(16000, dtype=np.float32), 16000)).any()
