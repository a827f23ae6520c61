"""Make clean synthetic speech sound more like recordings: noise, gain, room reverberation and
telephone band-limiting, drawn per clip from a seeded generator. Timing is never changed, so the
teacher's motion (computed on the clean audio) stays aligned."""

from __future__ import annotations

import numpy as np
from scipy import signal

# How often each effect is applied; a clip may get several, or none.
CHANCES = {"reverb": 0.3, "telephone": 0.15, "noise": 0.4, "gain": 0.5}


def augment(samples: np.ndarray, sample_rate: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """Returns the changed samples (same length, peak at most 0.99) and what was done, for the record."""
    out = samples.astype(np.float64)
    done: list[str] = []
    if rng.random() < CHANCES["reverb"]:
        rt60 = rng.uniform(0.15, 0.6)
        out = reverberate(out, sample_rate, rt60, rng)
        done.append(f"reverb rt60 {rt60:.2f} s")
    if rng.random() < CHANCES["telephone"]:
        out = telephone_band(out, sample_rate)
        done.append("telephone 300-3400 Hz")
    if rng.random() < CHANCES["noise"]:
        snr = rng.uniform(8.0, 30.0)
        out = add_noise(out, snr, rng)
        done.append(f"noise {snr:.0f} dB SNR")
    if rng.random() < CHANCES["gain"]:
        decibels = rng.uniform(-18.0, 0.0)
        out = out * 10 ** (decibels / 20)
        done.append(f"gain {decibels:.0f} dB")
    peak = np.abs(out).max()
    if peak > 0.99:
        out *= 0.99 / peak
    return out.astype(np.float32), done


def reverberate(samples: np.ndarray, sample_rate: int, rt60: float, rng: np.random.Generator) -> np.ndarray:
    """A room as exponentially decaying noise (60 dB down after rt60 s) after the direct sound; the
    speech's level is kept."""
    length = int(rt60 * sample_rate)
    decay = np.exp(-6.9 * np.arange(length) / length)  # ln(1000) = 6.9: -60 dB at the end
    response = rng.normal(size=length) * decay * 0.3
    response[0] = 1.0
    wet = signal.fftconvolve(samples, response)[:len(samples)]
    return wet * (np.abs(samples).max() / max(np.abs(wet).max(), 1e-9))


def room_response(sample_rate: int, rt60: float, direct_to_reverberant_db: float,
                  rng: np.random.Generator) -> np.ndarray:
    """A room's impulse response: the direct sound, then from 2 ms on a tail of noise decaying 60 dB in `rt60`
    seconds, its energy `direct_to_reverberant_db` under the direct sound's (a voice 0.3-1 m from a laptop or
    phone microphone in a furnished room: about +10 to 0 dB; `reverberate` above is a far-field room)."""
    length = max(1, int(rt60 * sample_rate))
    tail = rng.normal(size=length) * np.exp(-6.9 * np.arange(length) / length)  # ln(1000): -60 dB at the end
    tail[: int(0.002 * sample_rate) + 1] = 0.0
    tail *= np.sqrt(10 ** (-direct_to_reverberant_db / 10) / np.sum(tail ** 2))
    tail[0] = 1.0
    return tail


def in_room(samples: np.ndarray, sample_rate: int, rt60: float, direct_to_reverberant_db: float,
            rng: np.random.Generator) -> np.ndarray:
    """`samples` as if spoken in the room `room_response` draws (same length), brought back to their own peak."""
    wet = signal.fftconvolve(samples, room_response(sample_rate, rt60, direct_to_reverberant_db, rng))[: len(samples)]
    return wet * (np.abs(samples).max() / max(np.abs(wet).max(), 1e-9))


def telephone_band(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    sections = signal.butter(4, [300.0, 3400.0], btype="bandpass", fs=sample_rate, output="sos")
    return signal.sosfiltfilt(sections, samples)


def add_noise(samples: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """White noise `snr_db` below the speech's power (measured where it is not silent)."""
    loud = samples[np.abs(samples) > 0.01 * np.abs(samples).max()]
    power = np.mean(loud ** 2) if len(loud) else np.mean(samples ** 2)
    return samples + rng.normal(size=len(samples)) * np.sqrt(power / 10 ** (snr_db / 10))


# Power falls as 1 / f^exponent: white hiss, pink (most rooms and fans), brown (rumble, traffic).
NOISE_COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}
# Below this the slope stops (flat): otherwise brown noise is mostly infrasound, inaudible, and its level
# would depend on the clip's length.
LOWEST_COLOURED_HZ = 50.0


def coloured_noise(length: int, colour: str, rng: np.random.Generator, sample_rate: int = 16000) -> np.ndarray:
    """Steady noise of `colour` (NOISE_COLOURS), unit RMS, no DC: white noise shaped in the frequency domain."""
    if colour not in NOISE_COLOURS:
        raise ValueError(f"noise colour {colour!r}: choose one of {', '.join(NOISE_COLOURS)}")
    if length < 2:
        raise ValueError(f"coloured noise needs at least 2 samples, got {length}")
    spectrum = np.fft.rfft(rng.standard_normal(length))
    frequencies = np.maximum(np.fft.rfftfreq(length, 1.0 / sample_rate), LOWEST_COLOURED_HZ)
    spectrum /= frequencies ** (NOISE_COLOURS[colour] / 2)
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, length)
    return noise / max(float(np.sqrt(np.mean(noise ** 2))), 1e-12)


def mains_hum(length: int, sample_rate: int, mains: float, level_db: float, rng: np.random.Generator,
              harmonics: int = 5) -> np.ndarray:
    """A ground loop's hum: `harmonics` multiples of `mains` (Hz), the k-th at 1/k of the first's amplitude,
    at random phases; the first's peak at `level_db` dB full scale (a sine's RMS is 3 dB under its peak)."""
    t = np.arange(length) / sample_rate
    return 10 ** (level_db / 20) * sum(np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 2 * np.pi)) / k
                                       for k in range(1, harmonics + 1))


# An inhale through the open mouth, as close microphones catch it before a phrase: 0.25-0.5 s of turbulent
# noise, most of its energy between about 0.5 and 4 kHz with a soft peak near 1-2 kHz (the tract near
# neutral), swelling and then dying away. Its level is set by the caller against the speech's.
INHALE_BAND_HZ = (500.0, 4000.0)
INHALE_PEAKS_HZ = (1100.0, 2300.0)


def inhalation(length: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """One inhale of `length` samples, unit RMS: band-passed noise with two broad resonances at slightly drawn
    frequencies, under an envelope that swells to its peak about 60% of the way through and fades."""
    if length < 16:
        raise ValueError(f"an inhale needs at least 16 samples, got {length}")
    noise = rng.standard_normal(length)
    band = signal.butter(2, (INHALE_BAND_HZ[0], min(INHALE_BAND_HZ[1], 0.45 * sample_rate)), btype="bandpass",
                         fs=sample_rate, output="sos")
    shaped = signal.sosfilt(band, noise)
    for peak in INHALE_PEAKS_HZ:
        b, a = signal.iirpeak(min(peak * rng.uniform(0.85, 1.15), 0.45 * sample_rate), Q=2.0, fs=sample_rate)
        shaped = shaped + 0.7 * signal.lfilter(b, a, noise)
    position = np.linspace(0.0, 1.0, length)
    swell = 0.6
    envelope = np.where(position < swell, np.sin(0.5 * np.pi * position / swell),
                        np.cos(0.5 * np.pi * (position - swell) / (1 - swell))) ** 2
    breath = shaped * envelope
    return breath / max(float(np.sqrt(np.mean(breath ** 2))), 1e-12)


# A mouth click, as close microphones catch the lips or tongue parting before a phrase: one to three sharp
# transients a few milliseconds apart, each a burst that rings at a drawn frequency in the 1.5-6 kHz band
# and dies within a few milliseconds. Its level is set by the caller against the speech's peak.
CLICK_RING_HZ = (1500.0, 6000.0)


def mouth_click(sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """One mouth click, 12-20 ms long, unit peak: 1-3 decaying bursts of noise and ringing, 1-6 ms apart."""
    length = int(rng.uniform(0.012, 0.020) * sample_rate)
    t = np.arange(length) / sample_rate
    click = np.zeros(length)
    onset = 0.0
    for _ in range(int(rng.integers(1, 4))):
        ring = min(rng.uniform(*CLICK_RING_HZ), 0.45 * sample_rate)
        decay = rng.uniform(0.0005, 0.002)
        local = t - onset
        burst = np.where(local >= 0, np.exp(-np.maximum(local, 0) / decay), 0.0)
        click += burst * (np.sin(2 * np.pi * ring * local + rng.uniform(0, 2 * np.pi)) +
                          0.5 * rng.standard_normal(length)) * rng.uniform(0.4, 1.0)
        onset += rng.uniform(0.001, 0.006)
    return click / max(float(np.abs(click).max()), 1e-12)
