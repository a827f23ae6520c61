"""`lipwright train --model gldtalker` as a user runs it: its motion prior, then its diffusion, into
one run folder that a second invocation resumes; `lipwright eval` then adds the diversity of several
samples per line to the run's figures."""

import json

from lipwright.training.checkpoint import load_checkpoint

from .commands import lipwright

TINY = ["--set", "features=16", "--set", "codes=16", "--set", "code_dim=8", "--set", "hidden=16", "--set", "layers=1",
        "--set", "heads=2", "--set", "feed_forward=32", "--set", "train_steps=100", "--set", "sampling_steps=3",
        "--set", "prior_epochs=2", "--encoder-set", "dim=16", "--encoder-set", "layers=1", "--encoder-set", "mels=40"]


def train(data, out, epochs):
    return lipwright("train", "--model", "gldtalker", "--data", str(data), "--out", str(out), *TINY,
                     "--epochs", str(epochs), "--batch-size", "4", "--piece-seconds", "2", "--device", "cpu")


def test_both_stages_train_resume_and_are_measured_with_their_diversity(tiny_corpus, tmp_path):
    run = tmp_path / "run"
    first = train(tiny_corpus, run, 1)
    assert first.returncode == 0, first.stderr
    prior = json.loads((run / "prior" / "history.json").read_text())
    assert [epoch["epoch"] for epoch in prior] == [1, 2]  # prior_epochs, whatever --epochs says
    assert all(0 < epoch["codebook_usage"] <= 1 and epoch["codebook_perplexity"] >= 1 for epoch in prior)
    config, state = load_checkpoint(run / "best")
    assert config.model == "gldtalker" and float(state["latent_scale"]) > 0 and float(state["motion_scale"]) > 0
    diffusion = json.loads((run / "history.json").read_text())

    second = train(tiny_corpus, run, 2)
    assert second.returncode == 0, second.stderr
    assert json.loads((run / "prior" / "history.json").read_text()) == prior  # finished: not trained again
    resumed = json.loads((run / "history.json").read_text())
    assert [epoch["epoch"] for epoch in resumed] == [1, 2] and resumed[0] == diffusion[0]

    report_file = tmp_path / "report.json"
    measured = lipwright("eval", "--run", str(run), "--data", str(tiny_corpus), "--split", "train",
                         "--samples", "2", "--steps", "2", "-o", str(report_file))
    assert measured.returncode == 0, measured.stderr
    report = json.loads(report_file.read_text())
    assert report["network"] == "gldtalker" and report["lve"] > 0
    assert report["diversity"]["samples_per_line"] == 2 and report["diversity"]["diversity"] > 0
