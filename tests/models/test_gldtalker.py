"""GLDiTalker on the tiny corpus, trained by the recipe `lipwright train --model gldtalker` runs (both
stages into one run folder): each stage's loss falls, the codebook's usage and perplexity are in the
prior's history, a seed fixes a sample and another seed changes it, several samples of a line come
from one batched pass, and a saved checkpoint predicts exactly what the network did."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from lipwright.models.gldtalker import GLDiTalker
from lipwright.models.networks import load_network
from lipwright.training.checkpoint import save_checkpoint
from lipwright.training.loop import TrainSettings
from lipwright.training.recipe import Recipe, run_recipe

from .tiny_networks import ENCODER, first_batch, pieces

TINY = {"features": 16, "codes": 16, "code_dim": 8, "hidden": 16, "layers": 1, "heads": 2, "feed_forward": 32,
        "train_steps": 100, "sampling_steps": 4, "dead_code_threshold": 0.5,
        "prior_epochs": 12}


@pytest.fixture(scope="module")
def run(tiny_corpus, tmp_path_factory):
    """(the run folder, the recipe's result) of three epochs of each stage in weights space."""
    out = tmp_path_factory.mktemp("gldtalker") / "run"
    recipe = Recipe("gldtalker", tiny_corpus, out, "weights", ENCODER, TINY, piece_seconds=2.0)
    torch.manual_seed(0)
    result = run_recipe(recipe, TrainSettings(epochs=6, batch_size=2, learning_rate=1e-2, device="cpu"))
    return out, result


@pytest.fixture(scope="module")
def network(run):
    return load_network(run[0] / "last")


def test_both_stages_train_into_one_run_folder_and_their_losses_fall(run):
    out, result = run
    prior = json.loads((out / "prior" / "history.json").read_text())
    diffusion = json.loads((out / "history.json").read_text())
    assert len(prior) == 12 and len(diffusion) == 6 and set(result["stages"]) == {"prior", "diffusion"}
    assert prior[-1]["val"] < 0.7 * prior[0]["train"], prior
    assert diffusion[-1]["val"] < 0.9 * diffusion[0]["train"], diffusion
    for folder in (out / "prior" / "best", out / "best", out / "last"):
        assert (folder / "model.safetensors").is_file() and (folder / "config.json").is_file()


def test_the_prior_reports_codebook_usage_and_perplexity_each_epoch(run):
    prior = json.loads((run[0] / "prior" / "history.json").read_text())
    for epoch in prior:
        assert 0 < epoch["codebook_usage"] <= 1
        assert 1 <= epoch["codebook_perplexity"] <= TINY["codes"]
    # Perplexity counts equally used codes: it cannot exceed the codes in use.
    assert all(epoch["codebook_perplexity"] <= epoch["codebook_usage"] * TINY["codes"] + 1e-6 for epoch in prior)


def test_a_finished_run_resumes_without_training_again(run, tiny_corpus):
    out, _ = run
    before = (out / "last" / "model.safetensors").read_bytes()
    recipe = Recipe("gldtalker", tiny_corpus, out, "weights", ENCODER, TINY, piece_seconds=2.0)
    result = run_recipe(recipe, TrainSettings(epochs=6, batch_size=2, learning_rate=1e-2, device="cpu"))
    assert len(result["history"]) == 6 and (out / "last" / "model.safetensors").read_bytes() == before


def test_fine_tuning_from_the_diffusion_stage_keeps_the_prior_exactly_and_trains_the_rest(run, tiny_corpus, tmp_path):
    """--from-stage diffusion --init-from RUN: no prior folder, the prior's weights as they came, the diffusion's moved."""
    from lipwright.errors import LipwrightError
    from lipwright.training.checkpoint import load_checkpoint

    recipe = Recipe("gldtalker", tiny_corpus, tmp_path / "tuned", "weights", ENCODER, TINY, piece_seconds=2.0,
                    init_from=run[0] / "best", from_stage="diffusion")
    result = run_recipe(recipe, TrainSettings(epochs=2, batch_size=2, learning_rate=1e-2, device="cpu"))
    assert set(result["stages"]) == {"diffusion"} and not (tmp_path / "tuned" / "prior").exists()
    _, before = load_checkpoint(run[0] / "best")
    _, after = load_checkpoint(tmp_path / "tuned" / "last")
    prior = [name for name in before if name.startswith("prior.")]
    assert prior and all(torch.equal(before[name], after[name]) for name in prior)
    assert any(not torch.equal(before[name], after[name]) for name in before if name.startswith("diffusion."))
    for stage, init_from, message in (("decoder", run[0] / "best", "no training stage 'decoder': its stages are prior, "
                                       "diffusion"), ("diffusion", None, "give --init-from a trained checkpoint")):
        wrong = replace(recipe, out=tmp_path / "wrong", from_stage=stage, init_from=init_from)
        with pytest.raises(LipwrightError, match=message):
            run_recipe(wrong, TrainSettings(epochs=1, device="cpu"))
    assert not (tmp_path / "wrong").exists()


def test_one_seed_gives_one_sample_and_another_seed_another(network, tiny_corpus):
    batch = first_batch(network, pieces(tiny_corpus), size=2)
    speakers = torch.tensor([0, -1])
    first = network.predict(batch.audio, batch.frames, speakers, seeds=[1, 1])
    assert first.shape == (2, max(batch.frames), 52)
    torch.testing.assert_close(network.predict(batch.audio, batch.frames, speakers, seeds=[1, 1]), first,
                               rtol=0, atol=0)
    other = network.predict(batch.audio, batch.frames, speakers, seeds=[2, 2])
    assert (other - first)[batch.frame_mask].abs().max() > 1e-3


def test_several_samples_of_a_line_come_from_one_pass_and_equal_their_seeded_predictions(network, tiny_corpus):
    batch = first_batch(network, pieces(tiny_corpus), size=2)
    speakers = torch.tensor([1, 0])
    samples = network.sample(batch.audio, batch.frames, speakers, count=3, seeds=[5, 6], steps=2)
    assert samples.shape == (3, 2, max(batch.frames), 52)
    differences = [(samples[a] - samples[b])[batch.frame_mask].abs().mean() for a, b in ((0, 1), (0, 2), (1, 2))]
    assert min(differences) > 1e-4
    # The first sample of each clip is its prediction with that seed, alone.
    short = batch.frames[1]
    alone = network.predict(batch.audio[1:, :round(short / 30 * 16000)], [short], speakers[1:], seeds=[6], steps=2)
    torch.testing.assert_close(samples[0, 1:, :short], alone, atol=1e-5, rtol=1e-4)


def test_the_step_count_changes_the_sample_and_one_step_works(network, tiny_corpus):
    batch = first_batch(network, pieces(tiny_corpus), size=1)
    one, many = (network.predict(batch.audio, batch.frames, torch.tensor([0]), seeds=[3], steps=steps)
                 for steps in (1, 8))
    assert torch.isfinite(one).all() and (one - many).abs().max() > 1e-5


def test_a_saved_checkpoint_predicts_exactly_what_the_network_did(network, tiny_corpus, tmp_path):
    save_checkpoint(tmp_path / "copy", network.state_dict(), network.config)
    loaded = load_network(tmp_path / "copy")
    batch = first_batch(network, pieces(tiny_corpus), size=2)
    speakers = torch.tensor([0, 1])
    assert loaded.config == network.config
    assert torch.equal(loaded.predict(batch.audio, batch.frames, speakers, seeds=[4, 9]),
                       network.predict(batch.audio, batch.frames, speakers, seeds=[4, 9]))


def test_a_network_that_never_saw_data_still_predicts_for_speed_measures(network):
    fresh = GLDiTalker(network.config)
    assert float(fresh.motion_scale) == float(fresh.latent_scale) == 0.0  # measured by training only
    motion = fresh.eval().predict(torch.zeros(1, 16000), [30], torch.tensor([0]))
    assert motion.shape == (1, 30, 52) and torch.isfinite(motion).all()


def test_the_schedulers_and_codebook_need_no_network(network, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("GLDiTalker tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    fresh = GLDiTalker(network.config)  # diffusers' schedules and vector-quantize-pytorch's codebook, from code
    for sampler in ("ddim", "dpm-solver"):
        fresh.settings = replace(fresh.settings, sampler=sampler)
        assert torch.isfinite(fresh.eval().predict(torch.zeros(1, 8000), [15], torch.tensor([-1]), steps=3)).all()
