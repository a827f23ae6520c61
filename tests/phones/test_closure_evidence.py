"""Recognised p and b checked against the sound (lipwright.phones.closure_evidence): real flite speech
of tuning voices with flite's own phone timings as the truth."""

import numpy as np
import pytest
import soundfile
import soxr

from lipwright.audio.clip import AudioClip
from lipwright.phones.closure_evidence import reject_unheard_closures
from lipwright.phones.phone import Phone
from lipwright.phones.track import phones_for_clip
from tests.speech import flite_with_phone_timings

LINE = "Oh my, Paul walked past a lamp by the bay, the cat packed all the apples by the bay."
# Sounds with a loud high band throughout: a p or b placed on them cannot be a closure.
LOUD_ABOVE_1_KHZ = {"S", "SH", "Z", "AA", "AE", "AY", "EY", "IY"}


def spoken(voice, tmp_path, rate=None):
    wav = tmp_path / f"{voice}.wav"
    truth = flite_with_phone_timings(LINE, voice, wav)
    samples, sample_rate = soundfile.read(str(wav), dtype="float32")
    if rate is not None:
        samples, sample_rate = soxr.resample(samples, sample_rate, rate).astype(np.float32), rate
    return AudioClip(samples, sample_rate), truth


def as_phones(truth):
    return [Phone("SIL" if label == "PAU" else label, start, end) for label, start, end in truth]


@pytest.mark.parametrize("voice, rate", [("awb", None), ("rms", None), ("awb", 8000)])
def test_every_true_p_and_b_is_kept(voice, rate, tmp_path):
    clip, truth = spoken(voice, tmp_path, rate)
    phones = as_phones(truth)
    assert reject_unheard_closures(phones, clip) == phones


def test_true_closures_are_kept_in_a_noisy_recording(tmp_path):
    clip, truth = spoken("rms", tmp_path)
    noise = np.random.default_rng(3).normal(scale=0.01, size=clip.samples.shape).astype(np.float32)
    noisy = AudioClip(clip.samples + noise, clip.sample_rate)  # about 30 dB below the speech
    phones = as_phones(truth)
    assert reject_unheard_closures(phones, noisy) == phones


@pytest.mark.parametrize("voice", ["awb", "rms"])
def test_a_p_or_b_on_a_loud_sound_becomes_t_or_d(voice, tmp_path):
    clip, truth = spoken(voice, tmp_path)
    loud = [(label, start, end) for label, start, end in truth if label in LOUD_ABOVE_1_KHZ and end - start > 0.04]
    assert len(loud) >= 10
    for i, (_, start, end) in enumerate(loud):
        label = "PB"[i % 2]
        checked = reject_unheard_closures([Phone(label, start, end)], clip)
        assert checked == [Phone({"P": "T", "B": "D"}[label], start, end)], (label, start, end)


def test_other_phones_are_left_alone(tmp_path):
    clip, truth = spoken("awb", tmp_path)
    phones = [Phone(label, p.start, p.end) for label, p in zip("MTDKSAA", as_phones(truth)[5:12])]
    assert reject_unheard_closures(phones, clip) == phones


def test_no_closure_is_recognised_on_the_th_of_by_the(tmp_path):
    # The phone search heard "by the" as B AY B on flite awb: the lips shut on "the".
    clip, truth = spoken("awb", tmp_path)
    recognised = phones_for_clip(clip, None, "fast").phones
    th = [(start, end) for label, start, end in truth if label == "DH"]
    closures = [p for p in recognised if p.label in ("P", "B")]
    assert len(th) == 4 and len(closures) >= 6
    assert not any(start <= p.centre < end for p in closures for start, end in th)
