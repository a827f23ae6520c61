"""frame_loudness: 0..1 per frame, measured around the frame's own time, normalised to the speech."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip, frame_count
from lipwright.audio.loudness import energy_envelope, frame_loudness, sound_threshold_db
from tests.speech import compose_line, synthesise


def test_speech_is_loud_and_pauses_are_quiet():
    line = compose_line([0.5, "father", 0.6, "saw", 0.5], engine="flite", voice="rms")
    clip = AudioClip(line.samples, line.sample_rate)
    for fps in (24, 29.97, 60):
        n = frame_count(clip.seconds, fps)
        loudness = frame_loudness(clip, fps, n)
        assert loudness.shape == (n,) and loudness.dtype == np.float32
        assert loudness.min() >= 0 and loudness.max() <= 1
        for word in line.words:
            middle = int(round(word.centre * fps))
            assert loudness[middle] > 0.6, (fps, word)
        for pause in line.silences:
            inner = np.arange(int(np.ceil((pause.start + 0.05) * fps)), int((pause.end - 0.05) * fps))
            assert np.all(loudness[inner] == 0.0), (fps, pause)


def test_frame_k_is_centred_on_k_over_fps():
    """A tone burst from 1.00 s to 1.50 s: at 30 fps frames 30..45 hear it, and the edges are symmetric."""
    rate = 16000
    t = np.arange(int(2.5 * rate)) / rate
    samples = np.where((t >= 1.0) & (t < 1.5), 0.5 * np.sin(2 * np.pi * 220 * t), 0.0).astype(np.float32)
    loudness = frame_loudness(AudioClip(samples, rate), 30, frame_count(2.5, 30))
    loud = np.flatnonzero(loudness > 0.5)
    assert loud[0] == 30 and loud[-1] == 45
    # No lag: the rise before the burst mirrors the fall after it.
    assert abs(loudness[29] - loudness[46]) < 0.1


def _room_tone(length: int, decibels: float, seed: int = 0) -> np.ndarray:
    """Steady white noise at `decibels` dBFS RMS: the hiss of a home recording's pauses."""
    noise = np.random.default_rng(seed).standard_normal(length)
    return (noise * 10 ** (decibels / 20)).astype(np.float32)


@pytest.mark.parametrize("noise_db", [None, -60.0, -45.0])
def test_sound_lies_above_the_noise_floor(noise_db):
    """Words count as sound and pauses do not, with digital silence between them or room tone 25-30 dB
    under the voice (within 35 dB of the loud part, so the loud part alone would call it sound)."""
    line = compose_line([0.5, "father", 0.6, "saw", 0.5], engine="flite", voice="rms")
    samples = line.samples if noise_db is None else line.samples + _room_tone(len(line.samples), noise_db)
    times, energy = energy_envelope(AudioClip(samples, line.sample_rate))
    level = 10 * np.log10(energy + 1e-12)
    threshold = sound_threshold_db(level, 35.0)
    assert threshold >= np.percentile(level, 95) - 35.0
    for word in line.words:
        assert level[np.argmin(np.abs(times - word.centre))] > threshold, word
    for pause in line.silences:
        inner = (times > pause.start + 0.05) & (times < pause.end - 0.05)
        assert np.mean(level[inner] <= threshold) > 0.99, (pause, noise_db)
    if noise_db is None:  # clean audio: the floor is far below, the loud part alone decides
        assert threshold == pytest.approx(np.percentile(level, 95) - 35.0)


@pytest.mark.parametrize("engine, voice", [("flite", "rms"), ("flite", "awb"), ("espeak-ng", "en-us")])
def test_speech_without_a_pause_has_no_noise_floor(engine, voice):
    """A line trimmed to its speech: its quietest tenth is stop closures and weak consonants (flite's rms: 27 dB
    under the loud part), never a steady floor, so sound is judged against the loud part alone."""
    samples = synthesise("So we went on, talking all the while about the weather and the boats.", engine, voice)
    _, energy = energy_envelope(AudioClip(samples, 16000))
    level = 10 * np.log10(energy + 1e-12)
    assert sound_threshold_db(level, 35.0) == pytest.approx(np.percentile(level, 95) - 35.0)


def test_generated_clips_split_sound_from_pauses_at_any_noise_floor():
    """Invariant over generated clips (bursts of a buzz at -6 to -20 dBFS for 0.3-2.5 s, pauses of 0.3-0.9 s, steady white or
    pink noise 20 dB or more under the voice, or digital silence): nearly every hop inside a pause is at or under
    the threshold and nearly every hop inside a burst above it; with digital silence the loud part alone decides."""
    from lipwright.synthetic.augment import coloured_noise

    rng = np.random.default_rng(29)
    rate = 16000
    for case in range(60):
        spans, cursor = [], 0.4
        while cursor < 5.0:
            length = float(rng.uniform(0.3, 2.5))  # some clips mostly speech: the floor is their quietest tenth
            spans.append((cursor, cursor + length))
            cursor += length + float(rng.uniform(0.3, 0.9))
        t = np.arange(int((cursor + 0.3) * rate)) / rate
        samples = np.zeros_like(t)
        voice_db = float(rng.uniform(-20, -6))
        for start, end in spans:
            inside = (t >= start) & (t < end)
            samples[inside] = 10 ** (voice_db / 20) * np.sign(np.sin(2 * np.pi * 150 * t[inside]))
        noise_db = None if case % 4 == 0 else float(rng.uniform(-70, voice_db - 20))
        if noise_db is not None:
            samples += coloured_noise(len(t), str(rng.choice(["white", "pink"])), rng) * 10 ** (noise_db / 20)
        times, energy = energy_envelope(AudioClip(samples.astype(np.float32), rate))
        level = 10 * np.log10(energy + 1e-12)
        threshold = sound_threshold_db(level, 35.0)
        in_burst = np.zeros(len(times), dtype=bool)
        in_pause = np.ones(len(times), dtype=bool)
        for start, end in spans:
            in_burst |= (times > start + 0.02) & (times < end - 0.02)
            in_pause &= (times < start - 0.02) | (times > end + 0.02)
        assert np.mean(level[in_burst] > threshold) > 0.99, (case, voice_db, noise_db)
        assert np.mean(level[in_pause] <= threshold) > 0.99, (case, voice_db, noise_db)
        if noise_db is None:
            assert threshold == pytest.approx(np.percentile(level, 95) - 35.0)
