"""Diversity on a corpus split, with samplers whose figures are known: identical samples, and samples
that differ by a known amount of one face unit."""

import numpy as np
import pytest

from lipwright.datasets.corpus import Corpus
from lipwright.evaluation.diversity import evaluate_diversity
from lipwright.motion.arkit import ARKIT_INDEX
from lipwright.template import load_default_head


def test_identical_samples_have_no_diversity(tiny_corpus):
    report = evaluate_diversity(Corpus(tiny_corpus), "train", "weights", lambda e: np.stack([e.motion] * 3))
    assert report["sequences"] >= 2 and report["samples_per_line"] == 3
    assert report["diversity"] == report["diversity_lips"] == report["diversity_upper_face"] == 0.0


def test_samples_apart_by_one_unit_are_as_diverse_as_that_unit_moves_the_face(tiny_corpus):
    corpus = Corpus(tiny_corpus)
    unit = ARKIT_INDEX["jawOpen"]

    def two_jaws(example):
        wider = example.motion.copy()
        wider[:, unit] += 0.5
        return np.stack([example.motion, wider])

    report = evaluate_diversity(corpus, "train", "weights", two_jaws)
    movement = np.linalg.norm(0.5 * load_default_head().targets[unit], axis=-1)
    assert report["diversity"] == pytest.approx(movement.mean(), rel=1e-4)
    assert report["diversity_lips"] == pytest.approx(movement[corpus.region("lve")].mean(), rel=1e-4)
    assert report["diversity_lips"] > report["diversity_upper_face"]  # the jaw moves the lips, not the brows
    vertex_report = evaluate_diversity(corpus, "train", "vertices", lambda e: np.stack([e.motion, 2 * e.motion]))
    assert vertex_report["diversity"] > 0
