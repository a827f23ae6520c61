"""dereverberate: a room's late reverberation taken out of real speech, dry speech left as it was."""

import numpy as np
import pytest
from scipy import signal

import lipwright.audio.dereverberate as dereverberation
from lipwright.audio.dereverberate import dereverberate, in_blocks
from lipwright.errors import AudioError
from lipwright.synthetic.augment import in_room
from tests.speech import compose_line

PARTS = [0.5, "Bob kept the map by the big barn.", 0.8, "Pam sat up.", 0.5]


def _log_spectrum(samples: np.ndarray, window: int) -> np.ndarray:
    _, _, spectrum = signal.stft(samples, nperseg=window, noverlap=3 * window // 4)
    return 10 * np.log10(np.abs(spectrum) ** 2 + 1e-10)


def _distance_db(heard: np.ndarray, dry: np.ndarray, window: int = 512) -> float:
    """Mean log-spectral distance from the dry line, both floored 60 dB under the dry line's peak (so that
    digital silence does not count as an infinite difference)."""
    reference = _log_spectrum(dry, window)
    floor = reference.max() - 60
    return float(np.mean(np.abs(np.maximum(_log_spectrum(heard, window), floor) - np.maximum(reference, floor))))


def _in_room(dry: np.ndarray, sample_rate: int, rt60: float, ratio_db: float, seed: int = 1) -> np.ndarray:
    return in_room(dry, sample_rate, rt60, ratio_db, np.random.default_rng(seed)).astype(np.float32)


@pytest.fixture(scope="module", params=[("flite", "awb"), ("flite", "rms"), ("espeak-ng", "en-us")],
                ids=["awb", "rms", "espeak"])
def line(request):
    engine, voice = request.param
    return compose_line(PARTS, engine=engine, voice=voice)


@pytest.mark.parametrize("rt60, ratio_db", [(0.3, 10.0), (0.5, 5.0), (0.6, 0.0)])
def test_the_room_is_taken_out_of_real_speech(line, rt60, ratio_db):
    dry = line.samples.astype(np.float64)
    wet = _in_room(dry, line.sample_rate, rt60, ratio_db)
    heard = dereverberate(wet, line.sample_rate)
    assert heard.dtype == np.float32 and heard.shape == wet.shape
    # Nearer the dry line than the room's sound was, averaged over every bin and step (the reverberant lines
    # sit 0.9-3.9 dB from their dry lines; dereverberated, 0.26-0.41 dB nearer).
    assert _distance_db(heard, dry) < _distance_db(wet, dry) - 0.15
    # And the voice keeps its level: a recogniser hears loudness relative to the line.
    assert abs(10 * np.log10(np.mean(heard ** 2) / np.mean(wet ** 2))) < 2.0


def test_dry_speech_is_left_as_it_was(line):
    heard = dereverberate(line.samples, line.sample_rate)
    assert np.corrcoef(heard, line.samples)[0, 1] > 0.999
    assert _distance_db(heard, line.samples) < 0.1
    for pause in line.silences[1:]:  # no sound made up in a pause after speech
        inside = heard[int((pause.start + 0.05) * line.sample_rate):int(pause.end * line.sample_rate)]
        assert np.abs(inside).max() < 1e-3


def test_narrowband_speech_in_a_room_is_helped_too():
    line = compose_line(PARTS, engine="flite", voice="rms", sample_rate=8000)
    dry = line.samples.astype(np.float64)
    wet = _in_room(dry, 8000, 0.4, 5.0)
    assert _distance_db(dereverberate(wet, 8000), dry, 256) < _distance_db(wet, dry, 256) - 0.15


def test_a_long_line_goes_in_blocks_without_losing_the_gain(monkeypatch):
    """Blocks of 2 s, each reaching 0.5 s into its neighbours (as 20 s and 1 s do on long lines), against the
    line in one pass."""
    line = compose_line(PARTS + ["Pam sat up.", 0.4, "Bob kept the map by the big barn.", 0.5], engine="flite",
                        voice="awb")
    dry = line.samples.astype(np.float64)
    wet = _in_room(dry, line.sample_rate, 0.5, 5.0)
    whole = dereverberate(wet, line.sample_rate)
    monkeypatch.setattr(dereverberation, "BLOCK_SECONDS", 2.0)
    monkeypatch.setattr(dereverberation, "OVERLAP_SECONDS", 0.5)
    blocks = dereverberate(wet, line.sample_rate)
    assert blocks.shape == wet.shape and line.samples.shape[0] > 4 * 2.0 * line.sample_rate
    assert np.corrcoef(blocks, whole)[0, 1] > 0.98
    assert _distance_db(blocks, dry) < _distance_db(wet, dry) - 0.15


@pytest.mark.parametrize("samples", [np.zeros(32000), np.full(100, 0.2), np.linspace(-0.5, 0.5, 4000)],
                         ids=["silence", "a few samples", "shorter than two seconds"])
def test_what_holds_no_room_is_returned_unchanged(samples):
    heard = dereverberate(samples, 16000)
    assert heard.dtype == np.float32
    assert np.array_equal(heard, samples.astype(np.float32))


@pytest.mark.parametrize("length", [900, 1100, 1250, 2000, 2999, 5000, 5060, 10_001])
def test_blocks_cross_fade_back_into_the_whole_line(length):
    """Blocks of 1000 samples reaching 100 into their neighbours: unchanged blocks add up to the line exactly
    (every sample covered, the ramps summing to one), and no block is longer than 1300 samples (memory stays
    bounded however long the line)."""
    samples = np.random.default_rng(length).normal(size=length).astype(np.float32)
    seen = []

    def unchanged(part: np.ndarray) -> np.ndarray:
        seen.append(len(part))
        return part

    out = in_blocks(samples, 1000, 100, unchanged)
    assert out.dtype == np.float32 and out.shape == samples.shape
    np.testing.assert_allclose(out, samples, atol=1e-6)
    assert max(seen) <= 1000 + 3 * 100  # a last block under 200 samples joins the one before
    assert sum(seen) < length + 2 * 100 * len(seen)


@pytest.mark.parametrize("length", [800, 48000])
def test_samples_that_are_not_numbers_are_refused(length):
    samples = np.zeros(length, dtype=np.float32)
    samples[100] = np.nan
    with pytest.raises(AudioError, match="NaN"):
        dereverberate(samples, 16000)


def test_lines_under_two_seconds_are_left_as_they_are(line):
    """Too few frames to tell a room from the voice: 1.9 s comes back unchanged, 2.1 s does not."""
    wet = _in_room(line.samples.astype(np.float64), line.sample_rate, 0.5, 5.0)
    start = int(0.4 * line.sample_rate)
    short, longer = wet[start:start + int(1.9 * line.sample_rate)], wet[start:start + int(2.1 * line.sample_rate)]
    assert np.array_equal(dereverberate(short, line.sample_rate), short)
    assert not np.allclose(dereverberate(longer, line.sample_rate), longer, atol=1e-3)


def test_pauses_of_digital_silence_do_not_switch_the_filter_off():
    """An edited line: the room's tail cut to exact zeros 0.1 s after each sentence. Frames of zero power would
    outweigh the speech in WPE's weighting ten billion times over without the dither under the filter."""
    line = compose_line(PARTS, engine="flite", voice="awb")
    dry = line.samples.astype(np.float64)
    wet = _in_room(dry, line.sample_rate, 0.5, 5.0)
    for pause in line.silences[1:]:
        wet[int((pause.start + 0.1) * line.sample_rate):int(pause.end * line.sample_rate)] = 0.0
    assert _distance_db(dereverberate(wet, line.sample_rate), dry) < _distance_db(wet, dry) - 0.15


def test_blocks_must_be_long_enough_to_cross_fade():
    with pytest.raises(ValueError, match="cross-fade"):
        in_blocks(np.zeros(5000, dtype=np.float32), 300, 200, lambda part: part)


@pytest.mark.parametrize("seed", range(200))
def test_over_generated_block_layouts_the_blocks_add_back_to_the_line(seed):
    """Invariant of in_blocks over random lengths, block sizes and overlaps: unchanged blocks reconstruct the line
    exactly, and no block exceeds block + 3 * overlap samples."""
    rng = np.random.default_rng(seed)
    overlap = int(rng.integers(0, 200))
    block = int(rng.integers(max(2 * overlap, 1), 2000))
    samples = rng.normal(size=int(rng.integers(1, 12_000))).astype(np.float32)
    seen = []
    out = in_blocks(samples, block, overlap, lambda part: (seen.append(len(part)), part)[1])
    np.testing.assert_allclose(out, samples, atol=1e-5)
    assert max(seen) <= block + 3 * overlap or len(seen) == 1


@pytest.mark.parametrize("seed", range(30))
def test_over_generated_signals_the_output_is_the_line_s_shape_and_finite(seed):
    """Invariant over noise, tones, clicks and silences mixed at random levels and rates: same length, float32,
    finite, within full scale; exact digital silence stays silent."""
    rng = np.random.default_rng(seed)
    rate = int(rng.choice([8000, 16000, 22050, 44100]))
    length = int(rng.uniform(2.0, 6.0) * rate)
    t = np.arange(length) / rate
    parts = [rng.normal(size=length) * rng.uniform(0, 0.3),
             np.sin(2 * np.pi * rng.uniform(80, 2000) * t) * rng.uniform(0, 0.5)]
    samples = sum(parts) * (rng.uniform(size=length) < rng.uniform(0.2, 1.0))  # some samples exactly zero
    samples[rng.integers(0, length, size=3)] = rng.uniform(-1, 1, size=3)  # clicks
    heard = dereverberate(samples.astype(np.float32), rate)
    assert heard.dtype == np.float32 and heard.shape == (length,)
    assert np.all(np.isfinite(heard)) and np.abs(heard).max() <= 1.0
    silent = dereverberate(np.zeros(length, dtype=np.float32), rate)
    assert not np.any(silent)
