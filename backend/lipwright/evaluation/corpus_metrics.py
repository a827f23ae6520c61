"""All the figures for one predictor on one split: LVE (squared and plain), FDD (signed and
absolute), mean vertex error; in weights space also the per-unit error and the lip-sync measures
against the corpus's phone timings. Weights are shown on the default head to measure vertices, so
weights-space figures need a corpus on the default head (a synthetic one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from ..datasets.corpus import Corpus
from ..metrics.lipsync import lipsync_scores, opening_and_rest
from ..metrics.vertex_errors import lip_vertex_error, mean_vertex_error, upper_face_dynamics_deviation
from ..metrics.weight_errors import per_unit_weight_error
from ..training.examples import Example, corpus_examples

# predict(example) -> (frames, 52) weights or (frames, vertices * 3) offsets, in the corpus's space.
Predictor = Callable[[Example], np.ndarray]


def evaluate_on_corpus(corpus: Corpus, split: str, space: str, predict: Predictor) -> dict:
    examples = corpus_examples(corpus, split, space)
    targets = default_head_targets() if space == "weights" else None
    predicted, truth, templates = [], [], []
    predicted_weights, true_weights = [], []
    lipsync: dict[str, list[float]] = defaultdict(list)  # closed, opened, rest, spurious, lag, correlation
    for example in examples:
        output = np.asarray(predict(example), dtype=np.float32)
        frames = min(len(output), len(example.motion))  # models may end a frame early or late
        output, true = output[:frames], example.motion[:frames]
        template = corpus.template(example.subject)
        if space == "weights":
            predicted_weights.append(output)
            true_weights.append(true)
            for key, values in _lipsync(corpus, example, output).items():
                lipsync[key] += values
            output, true = (np.einsum("fk,kvc->fvc", weights, targets) for weights in (output, true))
        predicted.append(template + output.reshape(frames, -1, 3))
        truth.append(template + true.reshape(frames, -1, 3))
        templates.append(template)
    lips, upper = corpus.region("lve"), corpus.region("fdd")
    fdd = upper_face_dynamics_deviation(predicted, truth, templates, upper)
    report = {
        "split": split, "space": space, "sequences": len(examples), "frames": int(sum(len(p) for p in predicted)),
        "lve_squared": lip_vertex_error(predicted, truth, lips),
        "lve": lip_vertex_error(predicted, truth, lips, squared=False),
        "fdd": fdd, "fdd_absolute": abs(fdd),
        "mean_vertex_error": mean_vertex_error(predicted, truth),
    }
    if space == "weights":
        report["per_unit_error"] = per_unit_weight_error(predicted_weights, true_weights)
        report["lipsync"] = {key: (float(np.mean(values)) if values else None) for key, values in lipsync.items()}
        report["lipsync_counts"] = {key: len(values) for key, values in lipsync.items()}
    return report


def _lipsync(corpus: Corpus, example: Example, weights: np.ndarray) -> dict[str, list[float]]:
    phones = corpus.phone_timings(example.name)
    if phones is None:
        return {}
    opening, rest = opening_and_rest(weights)
    return lipsync_scores(phones, opening, rest, example.fps)


def default_head_targets() -> np.ndarray:
    from ..template import load_default_head

    return load_default_head().targets
