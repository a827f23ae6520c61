"""Peaks cut off flat are found where they are, and only there, and rebuilt nearer the sound that was cut."""

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import AudioClip
from lipwright.audio.decode import load_audio
from lipwright.runs import true_run_bounds
from lipwright.audio.declip import LONGEST_RUN_SECONDS, PEAK_AFTER, clipped_samples, clipping_warning, declipped
from tests.speech import synthesise

RATE = 16000
TEXT = "Bob bought a big map of the bay, and Pam paid for both of them."
VOICES = [("flite", "awb"), ("flite", "rms"), ("espeak-ng", "en-us+m3"), ("espeak-ng", "en-gb+f2")]


def _spoken(engine: str, voice: str, rate: int = RATE) -> np.ndarray:
    samples = synthesise(TEXT, engine, voice, sample_rate=rate).astype(np.float64)
    return samples / np.abs(samples).max()


def _snr_db(truth: np.ndarray, estimate: np.ndarray) -> float:
    """Signal to error in dB, `estimate` at its best scale (the declipper scales the line under full scale)."""
    scaled = estimate * (truth @ estimate) / (estimate @ estimate)
    return 10 * np.log10((truth @ truth) / ((truth - scaled) @ (truth - scaled)))


@pytest.mark.parametrize("engine, voice", VOICES)
def test_a_clean_line_at_full_scale_is_left_as_it_is(engine, voice):
    clean = _spoken(engine, voice)
    assert np.abs(clean).max() == 1.0  # its one loudest sample at full scale, as a normaliser leaves it
    assert not clipped_samples(clean, RATE).any()
    clip = AudioClip(clean.astype(np.float32), RATE)
    assert declipped(clip) is clip
    # Written at 16 bits, where neighbouring samples near a peak can round to one value.
    quantised = np.round(clean * 0.999 * 32767) / 32767
    assert not clipped_samples(quantised, RATE).any()


@pytest.mark.parametrize("engine, voice", VOICES)
@pytest.mark.parametrize("overdrive_db, gain_db", [(6, 8), (12, 2)])
def test_cut_peaks_are_found_and_rebuilt_nearer_the_sound(engine, voice, overdrive_db, gain_db):
    """Clipped 6 dB, the cut line is 16-20 dB from the sound and rebuilt 29-30 dB; 12 dB, 8-11 and 11-16, 2.3 dB
    nearer at the least (the more of a wave is cut, the less of it its neighbours tell)."""
    truth = _spoken(engine, voice) * 10 ** (overdrive_db / 20)
    cut = np.clip(truth, -1.0, 1.0)
    found = clipped_samples(cut, RATE)
    # Every cut sample, and besides them only samples within a 16-bit step of the level (no file tells them apart).
    assert np.all(found[np.abs(truth) >= 1.0])
    assert np.all(np.abs(truth[found]) >= 1.0 - 2.0 ** -15)
    restored = declipped(AudioClip(cut.astype(np.float32), RATE)).samples.astype(np.float64)
    assert np.abs(restored).max() <= PEAK_AFTER + 1e-6
    assert _snr_db(truth, restored) >= _snr_db(truth, cut) + gain_db
    # Consistent with the recording: every rebuilt sample lies at or beyond where it was cut, on its side,
    # and every sample that was not cut is kept (at the line's new scale).
    scale = restored[~found] @ cut[~found] / (cut[~found] @ cut[~found])
    assert np.allclose(restored[~found], scale * cut[~found], atol=1e-6)
    assert np.all(np.sign(restored[found]) == np.sign(cut[found]))
    assert np.all(np.abs(restored[found]) >= scale * 1.0 - 1e-6)


def test_a_line_cut_on_one_side_only_is_rebuilt_on_that_side():
    """An asymmetric preamp: the positive peaks cut at 0.6, the negative ones whole."""
    truth = _spoken("flite", "awb")
    cut = np.minimum(truth, 0.6)
    found = clipped_samples(cut, RATE)
    assert np.all(found[truth >= 0.6]) and np.all(truth[found] >= 0.6 - 2.0 ** -15)
    restored = declipped(AudioClip(cut.astype(np.float32), RATE)).samples.astype(np.float64)
    assert _snr_db(truth, restored) >= _snr_db(truth, cut) + 6


def test_a_16_bit_file_clipped_at_44k_is_rebuilt(tmp_path):
    """At the file's own rate and through a 16-bit file, as a clipped recording arrives."""
    rate = 44100
    truth = _spoken("flite", "rms", rate) * 10 ** (8 / 20)
    soundfile.write(str(tmp_path / "hot.wav"), np.clip(truth, -1.0, 1.0), rate, subtype="PCM_16")
    cut, _ = soundfile.read(str(tmp_path / "hot.wav"), dtype="float32")
    assert clipped_samples(cut, rate).sum() >= np.count_nonzero(np.abs(truth) >= 1.0) * 0.99
    restored = declipped(AudioClip(cut, rate)).samples.astype(np.float64)
    assert _snr_db(truth, restored) >= _snr_db(truth, cut.astype(np.float64)) + 6


@pytest.mark.parametrize("samples", [np.zeros(0), np.zeros(16000), np.full(10, 0.5), np.full(16000, 1e-3)],
                         ids=["empty", "digital silence", "ten samples of DC", "near silence"])
def test_no_sound_to_rebuild_is_left_alone(samples):
    clip = AudioClip(samples.astype(np.float32), RATE)
    assert declipped(clip) is clip or np.array_equal(declipped(clip).samples, clip.samples)


def test_a_run_held_at_full_scale_is_left_as_it_is_and_the_cut_peaks_around_it_rebuilt():
    """A microphone bump held at full scale for 100 ms: no peak of speech, nothing to rebuild it from (and a
    solve as large as the run); the clipped speech beside it is still rebuilt."""
    truth = _spoken("flite", "awb") * 10 ** (6 / 20)
    cut = np.clip(truth, -1.0, 1.0)
    bump = slice(RATE // 2, RATE // 2 + RATE // 10)
    cut[bump] = 1.0
    found = clipped_samples(cut, RATE)
    assert not found[bump].any() and found.sum() > 100
    restored = declipped(AudioClip(cut.astype(np.float32), RATE)).samples
    assert np.allclose(restored[bump], restored[bump][0])  # still flat, at the line's new scale
    assert np.abs(restored).max() <= PEAK_AFTER + 1e-6


def test_a_square_wave_at_full_scale_costs_no_more_than_its_runs():
    """A 2 s tone at full scale, its half-cycles (1.1 ms) each a run: rebuilt run by run, never as one
    solve over the whole tone (which needed gigabytes)."""
    t = np.arange(2 * RATE) / RATE
    square = np.sign(np.sin(2 * np.pi * 440.0 * t) + 1e-9)
    assert clipped_samples(square, RATE).mean() > 0.9
    restored = declipped(AudioClip(square.astype(np.float32), RATE)).samples
    assert restored.shape == square.shape and np.all(np.isfinite(restored))
    # A held stretch longer than a cut peak of speech is not a cut: a line of nothing else is left alone.
    held = np.concatenate([np.zeros(RATE), np.ones(RATE), -np.ones(RATE)]).astype(np.float32)
    assert not clipped_samples(held, RATE).any() and int(LONGEST_RUN_SECONDS * RATE) < RATE


@pytest.mark.parametrize("level_db", [-20.0, -30.0])
def test_coarse_samples_repeating_their_top_value_are_not_a_cut(level_db):
    """8-bit speech at -20 or -30 dBFS reaches its top step at many peaks: quantisation, not clipping."""
    coarse = np.round(_spoken("flite", "rms") * 10 ** (level_db / 20) * 127) / 128
    assert not clipped_samples(coarse, RATE).any()
    # Clipped at full scale, 8 bits still show the cut.
    hot = np.clip(np.round(_spoken("flite", "rms") * 10 ** (6 / 20) * 127), -128, 127) / 128
    assert clipped_samples(hot, RATE).any()


def test_a_hard_clipped_line_is_named_and_a_lightly_clipped_one_is_not():
    clean = _spoken("flite", "awb")
    assert clipping_warning(AudioClip(np.clip(clean * 2, -1, 1).astype(np.float32), RATE)) is None
    warning = clipping_warning(AudioClip(np.clip(clean * 10, -1, 1).astype(np.float32), RATE))
    assert warning is not None and "clipped" in warning and "lower gain" in warning


@pytest.mark.parametrize("rate", [44100, 48000])
def test_a_clipped_file_is_rebuilt_at_its_own_rate_when_it_is_loaded(tmp_path, rate):
    """load_audio rebuilds the cut peaks before it resamples to the models' 16 kHz (resampled first, the flat
    tops ripple and are no longer found: 18.8 -> 19.0 dB at 6 dB over), and names a hard-clipped file."""
    import soxr

    truth = _spoken("flite", "awb", rate)
    for overdrive_db, warned in ((6.0, False), (20.0, True)):
        driven = truth * 10 ** (overdrive_db / 20)
        soundfile.write(str(tmp_path / "hot.wav"), np.clip(driven, -1.0, 1.0), rate, subtype="PCM_16")
        loaded = load_audio(tmp_path / "hot.wav")
        reference = soxr.resample(driven, rate, 16000)[:len(loaded.samples)]
        plain = np.clip(soxr.resample(np.clip(driven, -1.0, 1.0), rate, 16000), -1, 1)[:len(loaded.samples)]
        if not warned:
            assert _snr_db(reference, loaded.samples.astype(np.float64)) >= _snr_db(reference, plain) + 8
        assert any("hot.wav is clipped" in warning for warning in loaded.warnings) == warned, loaded.warnings


def test_a_stereo_file_with_one_channel_clipped_is_rebuilt_in_that_channel(tmp_path):
    truth = _spoken("flite", "rms")
    left, right = np.clip(truth * 2.0, -1.0, 1.0), truth * 0.5
    soundfile.write(str(tmp_path / "stereo.wav"), np.stack([left, right], axis=1), RATE, subtype="PCM_16")
    loaded = load_audio(tmp_path / "stereo.wav").samples.astype(np.float64)
    reference = (truth * 2.0 + truth * 0.5) / 2
    assert _snr_db(reference, loaded) >= _snr_db(reference, (left + right) / 2) + 8
    soundfile.write(str(tmp_path / "clean.wav"), np.stack([truth * 0.9, truth * 0.5], axis=1), RATE, subtype="PCM_16")
    written, _ = soundfile.read(str(tmp_path / "clean.wav"), dtype="float32")
    assert np.array_equal(load_audio(tmp_path / "clean.wav").samples, written.mean(axis=1, dtype=np.float64).astype(np.float32))


def test_dual_mono_is_rebuilt_once_and_alike_in_both_channels():
    from lipwright.audio.declip import declipped_channels

    cut = np.clip(_spoken("flite", "awb") * 2.0, -1.0, 1.0).astype(np.float32)
    both, fraction = declipped_channels(np.stack([cut, cut], axis=1), RATE)
    alone, _ = declipped_channels(cut[:, None], RATE)
    assert fraction > 0.005 and np.array_equal(both[:, 0], both[:, 1]) and np.array_equal(both[:, 0], alone[:, 0])


def _generated(rng: np.random.Generator, rate: int) -> np.ndarray:
    """A voiced-sounding line: harmonics of a gliding pitch under a syllable-rate envelope, with some noise."""
    t = np.arange(int(rng.uniform(0.4, 1.2) * rate)) / rate
    pitch = rng.uniform(80, 260) * (1 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.5, 3) * t))
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(rng.uniform(0.1, 1) / k * np.sin(k * phase + rng.uniform(0, 2 * np.pi)) for k in range(1, 12))
    envelope = np.maximum(np.sin(2 * np.pi * rng.uniform(2, 6) * t + rng.uniform(0, 6)), 0) ** 2
    line = voiced * envelope + rng.normal(scale=rng.uniform(1e-4, 1e-2), size=len(t))
    return line / np.abs(line).max()


def test_generated_lines_clipped_or_not_keep_the_invariants():
    """Over generated lines (8-48 kHz, 16 bits, 24 bits or float, clipped 1-20 dB on one side or both, some with
    a held bump, some not clipped at all): a line that was not cut is never touched; in a cut one, only samples
    at a side's level are found, every short run of two or more is, every sample not found is kept at one scale,
    every rebuilt one lies at or beyond its level on its side, and the result is finite and under full scale."""
    rng = np.random.default_rng(32)
    for case in range(60):
        rate = int(rng.choice([8000, 16000, 44100, 48000]))
        truth = _generated(rng, rate) * 10 ** (rng.uniform(-12, -0.1) / 20)
        step = {0: 2.0 ** -15, 1: 2.0 ** -23, 2: 0.0}[case % 3]
        quantise = (lambda x: np.round(x / step) * step) if step else (lambda x: x)
        if case % 4 == 0:  # not clipped: its loudest sample is one sample
            clean = quantise(truth)
            assert not clipped_samples(clean, rate).any(), case
            continue
        top = 1.0
        bottom = -1.0 if case % 5 else -np.inf  # now and then one side only
        cut = quantise(np.clip(truth * 10 ** (rng.uniform(1, 20) / 20) / np.abs(truth).max(), bottom, top))
        if case % 7 == 0:
            start = int(rng.integers(0, len(cut) // 2))
            cut[start:start + rate // 20] = top  # a 50 ms bump
        found = clipped_samples(cut, rate)
        sides = [cut >= cut.max() - 2.0 ** -15, cut <= cut.min() + 2.0 ** -15]
        assert not np.any(found & ~(sides[0] | sides[1])), case
        for side in sides:  # a side with five short runs of two or more is found, every such run of it
            runs = [(a, b) for a, b in zip(*true_run_bounds(side)) if 2 <= b - a <= 0.01 * rate]
            if len(runs) >= 5:
                assert all(found[a:b].all() for a, b in runs), case
        restored = declipped(AudioClip(cut.astype(np.float32), rate)).samples.astype(np.float64)
        assert np.all(np.isfinite(restored)) and np.abs(restored).max() <= PEAK_AFTER + 1e-6, case
        if not found.any():
            continue
        scale = restored[~found] @ cut[~found] / (cut[~found] @ cut[~found])
        assert np.allclose(restored[~found], scale * cut[~found], atol=1e-5), case
        assert np.all(np.sign(restored[found]) == np.sign(cut[found])), case
        assert np.all(np.abs(restored[found]) >= scale * np.abs(cut[found]) - 1e-5), case
