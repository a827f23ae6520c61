"""A trained run as a predictor on a corpus, in both motion spaces, and finding a run's parts."""

import json

import numpy as np
import pytest

from lipwright.datasets.corpus import Corpus
from lipwright.errors import LipwrightError
from lipwright.evaluation.corpus_metrics import evaluate_on_corpus
from lipwright.evaluation.trained_runs import (check_run_fits_corpus, checkpoint_folder, run_history,
                                              trained_run_predictor)
from lipwright.models.trained_run import TrainedRunModel
from lipwright.training.examples import corpus_examples
from tests.evaluation.tiny_run import tiny_corpus, untrained_run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return Corpus(tiny_corpus(tmp_path_factory.mktemp("corpus")))


def test_weights_predictions_are_weights(corpus, tmp_path):
    examples = corpus_examples(corpus, "train", "weights")
    run = untrained_run(tmp_path / "run", sorted({e.subject for e in examples}))
    model = TrainedRunModel(checkpoint_folder(run))
    for speaker in (None, examples[0].subject):
        predict = trained_run_predictor(model, speaker)
        for example in examples:
            weights = predict(example)
            assert weights.shape == (len(example.motion), 52)
            assert weights.min() >= 0.0 and weights.max() <= 1.0
            assert weights.min() == 0.0 or weights.max() == 1.0  # the raw output left [0, 1] and was clipped


def test_a_vertex_space_run_is_measured_on_vertices(corpus, tmp_path):
    vertices = len(corpus.template(corpus.sequences[0].subject))
    run = untrained_run(tmp_path / "run", [], space="vertices", motion_dim=vertices * 3)
    model = TrainedRunModel(checkpoint_folder(run))
    report = evaluate_on_corpus(corpus, "train", "vertices", trained_run_predictor(model))
    assert report["space"] == "vertices" and report["lve"] > 0 and "lipsync" not in report


def test_an_unknown_speaker_fails_before_any_clip(corpus, tmp_path):
    model = TrainedRunModel(checkpoint_folder(untrained_run(tmp_path / "run", ["a", "b"])))
    with pytest.raises(LipwrightError, match="no speaker 'c'"):
        trained_run_predictor(model, "c")


def test_a_run_and_its_checkpoints(tmp_path):
    run = untrained_run(tmp_path / "run", ["a"])
    history = [{"epoch": 1, "train": 0.2, "val": 0.3}]
    (run / "history.json").write_text(json.dumps(history))
    assert checkpoint_folder(run) == checkpoint_folder(run / "best") == run / "best"
    assert run_history(run) == run_history(run / "best") == history
    with pytest.raises(LipwrightError, match="is not a trained run"):
        checkpoint_folder(tmp_path)
    (run / "history.json").unlink()
    assert run_history(run) == []


def test_a_run_that_cannot_be_compared_with_the_corpus(corpus, tmp_path):
    small = TrainedRunModel(checkpoint_folder(untrained_run(tmp_path / "small", [], "vertices", motion_dim=30)))
    with pytest.raises(LipwrightError, match="moves 10 vertices .* of its own topology"):
        check_run_fits_corpus(small, corpus, "train")
    check_run_fits_corpus(TrainedRunModel(checkpoint_folder(untrained_run(tmp_path / "w", []))), corpus, "train")
