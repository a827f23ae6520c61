"""A sampling run (GLDiTalker, the landmark-guided model) served as a trained run: over lines of generated lengths (under one
window, several windows), each line batched with the others equals the line alone for its seed; seeds
change the motion; variations of a line are the line animated with seeds seed, seed+1, ..."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.errors import ModelError
from lipwright.models.base import AnimationRequest
from lipwright.models.trained_run import TrainedRunModel
from tests.models.tiny_run import SPEAKERS, make_tiny_gldtalker_run, make_tiny_landmarks_run, make_tiny_run


def make_tiny_gldtalker_run_with_contacts(folder):
    return make_tiny_gldtalker_run(folder, contacts=True)


@pytest.fixture(scope="module", params=[make_tiny_gldtalker_run, make_tiny_gldtalker_run_with_contacts,
                                        make_tiny_landmarks_run], ids=["gldtalker", "gldtalker-contacts", "landmarks"])
def model(request, tmp_path_factory):
    return TrainedRunModel(request.param(tmp_path_factory.mktemp("run") / "run"))


def speech_like(seconds: float, rng) -> AudioClip:
    samples = round(seconds * 16000)
    noise = 0.3 * rng.standard_normal(samples) * np.sin(np.linspace(0, 40 * seconds, samples))
    return AudioClip(noise.astype(np.float32), 16000)


def test_every_line_gives_the_same_sample_alone_and_batched_for_its_seed(model):
    rng = np.random.default_rng(3)
    clips = [speech_like(seconds, rng) for seconds in (0.37, 2.0 + 1 / 90, 8.6, 11.3)]
    speakers = [SPEAKERS[0], None, SPEAKERS[1], None]
    seeds = [11, 12, 13, 14]
    together = model.predict_lines(clips, speakers, seeds=seeds)
    for clip, speaker, seed, batched in zip(clips, speakers, seeds, together):
        alone = model.predict_lines([clip], [speaker], seeds=[seed])[0]
        assert alone.shape == batched.shape == (int(np.ceil(clip.seconds * 30 - 1e-6)), 52)
        np.testing.assert_allclose(batched, alone, atol=1e-4)
    reseeded = model.predict_lines(clips[2:3], speakers[2:3], seeds=[99])[0]
    assert np.abs(reseeded - together[2]).max() > 1e-3  # the seed matters: the check can fail


def test_variations_are_the_line_animated_with_consecutive_seeds(model):
    clip = speech_like(1.5, np.random.default_rng(4))
    samples = model.sample_lines(clip, SPEAKERS[1], count=3, seed=20)
    assert len(samples) == 3
    assert min(np.abs(a - b).mean() for a, b in ((samples[0], samples[1]), (samples[1], samples[2]))) > 1e-4
    kept = model.animate(AnimationRequest(clip, fps=30.0, seed=21, speaker=SPEAKERS[1]))
    np.testing.assert_allclose(kept.weights, np.clip(samples[1], 0, 1), atol=1e-4)
    assert kept.meta["seed"] == 21 and kept.meta["sampling_steps"] == model.config.settings["sampling_steps"]


def test_the_step_count_reaches_the_network(model):
    clip = speech_like(1.0, np.random.default_rng(5))
    one, five = (model.predict_lines([clip], [None], seeds=[1], steps=steps)[0] for steps in (1, 5))
    assert np.abs(one - five).max() > 1e-4


def test_a_model_that_does_not_sample_says_so(tmp_path):
    model = TrainedRunModel(make_tiny_run(tmp_path / "run"))
    assert not model.stochastic
    with pytest.raises(ModelError, match="variations need a model that samples"):
        model.sample_lines(speech_like(0.5, np.random.default_rng(0)), None, count=2)
