"""Augmentation keeps timing and level in bounds and does what it records."""

import numpy as np
from scipy import signal

from lipwright.synthetic.augment import add_noise, augment, reverberate, telephone_band
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
