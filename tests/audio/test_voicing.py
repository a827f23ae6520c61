"""Voiced steps: a voice's vowels are periodic; noise and an inhale are not. (flite's parametric voices buzz
through their fricatives, so those are not asked about.)"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import AudioClip
from lipwright.audio.voicing import STEP_SECONDS, voiced_steps
from lipwright.runs import instants_within
from lipwright.synthetic.augment import coloured_noise, inhalation
from tests.speech import flite_with_phone_timings

VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}


@pytest.mark.parametrize("voice", ["awb", "rms"])
def test_vowels_are_voiced(voice, tmp_path):
    truth = flite_with_phone_timings("She sells fresh fish, the thin shells, and soft hats.", voice, tmp_path / "a.wav")
    samples, rate = soundfile.read(str(tmp_path / "a.wav"), dtype="float32")
    voiced = voiced_steps(AudioClip(samples, rate))
    assert len(voiced) == len(samples) * 16000 // rate // 160 + 1

    def share(labels: set[str]) -> float:
        steps = [voiced[instants_within(start + 0.02, end - 0.02, 1 / STEP_SECONDS, len(voiced))]
                 for label, start, end in truth if label in labels and end - start > 0.06]
        return float(np.concatenate(steps).mean())

    assert share(VOWELS) > 0.85


@pytest.mark.parametrize("colour", ["white", "pink"])
def test_noise_and_an_inhale_are_not_voiced(colour):
    rng = np.random.default_rng(3)
    noise = (coloured_noise(32000, colour, rng) * 0.05).astype(np.float32)
    assert voiced_steps(AudioClip(noise, 16000)).mean() < 0.05
    breath = (inhalation(8000, 16000, rng) * 0.05).astype(np.float32)
    assert voiced_steps(AudioClip(breath, 16000)).mean() < 0.05


def test_a_pulse_train_is_voiced_at_any_gain_and_rate():
    t = np.arange(24000) / 48000
    pulses = np.sign(np.sin(2 * np.pi * 140 * t)) * np.exp(-((t * 140) % 1.0) * 6)
    for gain in (1e-3, 0.5):
        assert voiced_steps(AudioClip((pulses * gain).astype(np.float32), 48000)).mean() > 0.9


def test_too_short_a_clip_has_no_voice():
    assert not voiced_steps(AudioClip(np.ones(100, dtype=np.float32), 16000)).any()
