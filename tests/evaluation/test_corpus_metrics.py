"""Evaluation on a tiny synthetic corpus, with predictors whose figures are known: the truth
itself, and a face that never moves."""

import numpy as np
import pytest

from lipwright.datasets.corpus import Corpus
from lipwright.evaluation.corpus_metrics import evaluate_on_corpus
from lipwright.synthetic.corpus import make_corpus
from lipwright.synthetic.voices import Voice


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    make_corpus(folder, hours=8 / 3600, voices=(Voice("flite", "rms"), Voice("espeak-ng", "en-us")), seed=3)
    return Corpus(folder)


def test_the_truth_scores_perfectly(corpus):
    for space in ("weights", "vertices"):
        report = evaluate_on_corpus(corpus, "train", space, lambda example: example.motion)
        assert report["sequences"] >= 2
        assert report["lve_squared"] == report["lve"] == report["mean_vertex_error"] == report["fdd"] == 0.0
    assert max(report_weights(corpus, lambda e: e.motion)["per_unit_error"].values()) == 0.0
    lipsync = report_weights(corpus, lambda e: e.motion)["lipsync"]
    assert lipsync["closed"] == lipsync["opened"] == 1.0 and lipsync["lag"] == 0.0


def test_a_face_that_never_moves(corpus):
    report = report_weights(corpus, lambda example: np.zeros_like(example.motion))
    assert report["lve_squared"] > 0 and report["lve"] > 0 and report["mean_vertex_error"] > 0
    assert report["fdd"] > 0  # the truth's upper face moves (the teacher's brows), the still face's does not
    assert report["lipsync"]["closed"] == 1.0  # sealed lips close on every p/b/m ...
    assert report["lipsync"]["opened"] == 0.0  # ... and open on no vowel
    vertex_report = evaluate_on_corpus(corpus, "train", "vertices", lambda e: np.zeros_like(e.motion))
    assert vertex_report["lve_squared"] == pytest.approx(report["lve_squared"], rel=1e-4)


def report_weights(corpus, predict):
    return evaluate_on_corpus(corpus, "train", "weights", predict)


def test_the_phonemes_baseline_from_the_command_line(corpus, tmp_path):
    import json

    from lipwright.cli.main import main

    report_file = tmp_path / "report.json"
    assert main(["eval", "--data", str(corpus.root), "--baseline", "phonemes", "--transcript", "--split", "train",
                 "-o", str(report_file)]) == 0
    report = json.loads(report_file.read_text())
    # Given the text, the baseline is its own teacher: up to the augmentation the corpus adds, it
    # hears what the teacher heard and closes on every p/b/m.
    assert report["model"] == "phonemes (transcript)" and report["lipsync"]["closed"] >= 0.9
    assert report["lve_squared"] < evaluate_on_corpus(corpus, "train", "weights",
                                                      lambda e: np.zeros_like(e.motion))["lve_squared"]
