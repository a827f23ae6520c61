"""Augmentation keeps timing and level in bounds and does what it records."""

import numpy as np
import pytest
from scipy import signal

from lipwright.synthetic.augment import add_noise, augment, reverberate, room_response, telephone_band
from tests.speech import synthesise


def band_power(samples, low, high):
    freqs, power = signal.welch(samples, fs=16000, nperseg=1024)
    return power[(freqs >= low) & (freqs < high)].sum()


def test_effects_keep_length_and_stay_under_full_scale_on_real_speech():
    speech = synthesise("Pam bought a map at the park.", engine="flite", voice="awb")
    seen = set()
    for seed in range(60):
        out, done = augment(speech, 16000, np.random.default_rng(seed))
        assert out.shape == speech.shape and out.dtype == np.float32 and np.abs(out).max() <= 0.99 + 1e-6
        seen.update(effect.split()[0] for effect in done)
        if not done:
            np.testing.assert_allclose(out, speech, atol=1e-6)
    assert seen == {"reverb", "telephone", "noise", "gain"}
    again, _ = augment(speech, 16000, np.random.default_rng(3))
    np.testing.assert_array_equal(again, augment(speech, 16000, np.random.default_rng(3))[0])


def test_each_effect_changes_what_it_says():
    speech = synthesise("Pam bought a map at the park.", engine="espeak-ng").astype(np.float64)
    rng = np.random.default_rng(0)
    phone = telephone_band(speech, 16000)
    assert band_power(phone, 0, 150) < 0.05 * band_power(speech, 0, 150)
    assert band_power(phone, 5000, 8000) < 0.05 * band_power(speech, 5000, 8000)
    noisy = add_noise(speech, 10.0, rng)
    loud = np.abs(speech) > 0.01 * np.abs(speech).max()
    snr = 10 * np.log10(np.mean(speech[loud] ** 2) / np.mean((noisy - speech) ** 2))
    assert abs(snr - 10.0) < 0.5
    padded = np.concatenate([speech, np.zeros(8000)])
    wet = reverberate(padded, 16000, 0.5, rng)
    assert np.abs(wet[len(speech):len(speech) + 1600]).mean() > 0.01 * np.abs(speech).max()  # the room rings on


@pytest.mark.parametrize("rt60, ratio_db", [(0.3, 10.0), (0.6, 0.0), (1.2, -5.0)])
def test_a_room_response_has_its_reverberation_time_and_ratio(rt60, ratio_db):
    rate = 16000
    response = room_response(rate, rt60, ratio_db, np.random.default_rng(4))
    assert response[0] == 1.0 and np.all(response[1:int(0.002 * rate)] == 0.0)  # the direct sound, then a gap
    tail = response[1:]
    assert 10 * np.log10(1.0 / np.sum(tail ** 2)) == pytest.approx(ratio_db, abs=1e-6)
    # Schroeder's backward integration: the energy still to come falls 60 dB over rt60 (fitted from -5 to -25 dB,
    # as RT60 is measured in rooms).
    remaining = np.cumsum(tail[::-1] ** 2)[::-1]
    decay_db = 10 * np.log10(remaining / remaining[0])
    times = np.arange(len(decay_db)) / rate
    fitted = (decay_db <= -5) & (decay_db >= -25)
    slope = np.polyfit(times[fitted], decay_db[fitted], 1)[0]
    assert -60.0 / slope == pytest.approx(rt60, rel=0.1)
    again = room_response(rate, rt60, ratio_db, np.random.default_rng(4))
    assert np.array_equal(again, response)
