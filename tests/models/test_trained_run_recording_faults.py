"""A trained run hears a line with mains hum, with its peaks cut off flat, or with an inhale before each phrase, much
as it hears the line recorded well: the hum is subtracted, the cut peaks rebuilt and the inhales brought down before
the network hears it (models/trained_run.py), as for the default model."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.models.base import AnimationRequest
from lipwright.models.run_folders import SHIPPED_MODELS_DIR
from lipwright.models.trained_run import TrainedRunModel
from lipwright.metrics.lipsync import opening_and_rest
from lipwright.synthetic.augment import mains_hum
from tests.speech import breathing_line, synthesise

RATE = 16000
SENTENCES = ["Bob bought a big map of the bay.", "Pam might pop up by the pub.", "My brother paid for both maps."]


@pytest.fixture(scope="module")
def run():
    return TrainedRunModel(SHIPPED_MODELS_DIR / "jambatalk-synthetic")


def _weights(run: TrainedRunModel, samples: np.ndarray, rate: int) -> np.ndarray:
    return run.animate(AnimationRequest(clip=AudioClip(samples.astype(np.float32), rate), fps=30.0)).weights


@pytest.mark.parametrize("engine, voice", [("flite", "awb"), ("espeak-ng", "en-us+m3")])
@pytest.mark.parametrize("mains, level_db", [(50.0, -45.0), (60.0, -40.0)])
def test_hum_under_a_line_leaves_the_networks_motion_as_it_was(run, engine, voice, mains, level_db):
    """Heard with its hum, the shipped network's weights moved by 18-26% of their mean size (and on flite's
    awb and rms lost 7 of 44 p/b/m closures at 50 Hz, -45 dBFS); with the hum taken out, by 1-10%."""
    changed, size = [], []
    for seed, text in enumerate(SENTENCES):
        pad = np.zeros(RATE // 2)
        clean = np.concatenate([pad, synthesise(text, engine, voice, sample_rate=RATE), pad])
        hummed = clean + mains_hum(len(clean), RATE, mains, level_db, np.random.default_rng(seed))
        assert np.abs(hummed - clean).max() > 10 ** (level_db / 20) / 2  # the hum is there to be heard
        before, after = _weights(run, clean, RATE), _weights(run, hummed, RATE)
        changed.append(np.abs(after - before).mean())
        size.append(np.abs(before).mean())
    assert np.mean(changed) < 0.14 * np.mean(size), f"weights moved by {np.mean(changed) / np.mean(size):.0%}"


def test_a_44k_line_with_hum_is_heard_as_the_clean_one(run):
    """Resampled to the networks' 16 kHz first, then cleaned: the rate the line came at does not matter
    (25% moved with the hum heard, 7% without)."""
    rate = 44100
    pad = np.zeros(rate // 2)
    clean = np.concatenate([pad, synthesise(SENTENCES[0], "flite", "rms", sample_rate=rate), pad])
    hummed = clean + mains_hum(len(clean), rate, 60.0, -45.0, np.random.default_rng(7))
    before, after = _weights(run, clean, rate), _weights(run, hummed, rate)
    assert before.shape == after.shape
    moved = np.abs(after - before).mean() / np.abs(before).mean()
    assert moved < 0.14, f"weights moved by {moved:.0%}"


def _moved_by_clipping(run: TrainedRunModel, engine: str, voice: str, overdrive_db: float) -> float:
    changed, size = [], []
    for text in SENTENCES:
        pad = np.zeros(RATE // 2)
        clean = np.concatenate([pad, synthesise(text, engine, voice, sample_rate=RATE), pad])
        clean /= np.abs(clean).max()
        before = _weights(run, clean, RATE)
        after = _weights(run, np.clip(clean * 10 ** (overdrive_db / 20), -1.0, 1.0), RATE)
        changed.append(np.abs(after - before).mean())
        size.append(np.abs(before).mean())
    return float(np.mean(changed) / np.mean(size))


@pytest.mark.parametrize("engine, voice", [("flite", "awb"), ("espeak-ng", "en-us+m3")])
@pytest.mark.parametrize("overdrive_db, most", [(6.0, 0.08), (12.0, 0.2)])
def test_clipping_leaves_the_networks_motion_near_the_line_recorded_well(run, engine, voice, overdrive_db, most):
    """Heard as clipped, the weights moved by 12-16% of their mean size at 6 dB over full scale and 26-35% at
    12 dB; with the peaks rebuilt, by 3-5% and 14%."""
    moved = _moved_by_clipping(run, engine, voice, overdrive_db)
    assert moved < most, f"weights moved by {moved:.0%}"


def test_a_hard_clipped_line_says_so(run):
    pad = np.zeros(RATE // 2)
    clean = np.concatenate([pad, synthesise(SENTENCES[0], "flite", "awb", sample_rate=RATE), pad])
    clean /= np.abs(clean).max()
    animation = run.animate(AnimationRequest(clip=AudioClip(np.clip(clean * 10, -1, 1).astype(np.float32), RATE),
                                             fps=30.0))
    assert any("clipped" in warning for warning in animation.meta["warnings"]), animation.meta["warnings"]
    assert run.animate(AnimationRequest(clip=AudioClip(clean.astype(np.float32), RATE), fps=30.0)).meta["warnings"] == []


def test_lines_with_neither_fault_are_heard_as_they_are():
    """Over generated lines (rates of 8-48 kHz, noise floors, levels up to a single full-scale sample), the
    networks hear exactly the line resampled: nothing is taken out of a line that has no hum and no cut peaks."""
    import soxr

    from lipwright.audio.heard_line import heard_line
    from tests.audio.test_declip import _generated

    rng = np.random.default_rng(8)
    for case in range(40):
        rate = int(rng.choice([8000, 16000, 22050, 44100, 48000]))
        line = (_generated(rng, rate) * 10 ** (rng.uniform(-30, 0) / 20)).astype(np.float32)
        heard = heard_line(AudioClip(line, rate)).samples
        expected = line if rate == RATE else soxr.resample(line, rate, RATE, quality="HQ").astype(np.float32)
        assert np.array_equal(heard, expected), (case, rate)


def test_the_mouth_rests_through_the_inhale_before_each_phrase(run):
    """The networks never heard an inhale in training: heard as it is, one 20 dB under the voice before each
    phrase kept the mouth moving through most of the pause (rest 0.32 of pause frames on the development voices)."""
    samples, inhales = breathing_line(SENTENCES, "flite", "rms", seed=4)
    _, rest = opening_and_rest(_weights(run, samples, RATE))
    frames = np.arange(len(rest)) / 30.0
    during = np.concatenate([rest[(frames >= start + 0.03) & (frames <= end - 0.1)] for start, end in inhales])
    assert during.mean() >= 0.9, f"at rest in {during.mean():.0%} of the inhales' frames"
