"""Diversity on a corpus split, the figure sampling models (GLDiTalker) report beside LVE and FDD:
for each line, the mean pairwise vertex distance between several samples of it
(metrics/diversity.py), over the whole face, the lips and the upper face; averaged over lines.
Weights-space samples are shown on the default head first, as the other figures are."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..datasets.corpus import Corpus
from ..metrics.diversity import sample_diversity
from ..training.examples import Example, corpus_examples
from .corpus_metrics import default_head_targets

# sample(example) -> (count, frames, 52) weights or (count, frames, vertices * 3) offsets, count >= 2.
Sampler = Callable[[Example], np.ndarray]


def evaluate_diversity(corpus: Corpus, split: str, space: str, sample: Sampler) -> dict:
    examples = corpus_examples(corpus, split, space)
    targets = default_head_targets() if space == "weights" else None
    lips, upper = corpus.region("lve"), corpus.region("fdd")
    figures: dict[str, list[float]] = {"diversity": [], "diversity_lips": [], "diversity_upper_face": []}
    count = 0
    for example in examples:
        samples = np.asarray(sample(example), dtype=np.float32)
        count = len(samples)
        if space == "weights":
            vertices = np.einsum("sfk,kvc->sfvc", samples, targets)
        else:
            vertices = samples.reshape(count, samples.shape[1], -1, 3)
        figures["diversity"].append(sample_diversity(vertices))
        figures["diversity_lips"].append(sample_diversity(vertices[:, :, lips]))
        figures["diversity_upper_face"].append(sample_diversity(vertices[:, :, upper]))
    return {**{name: float(np.mean(values)) for name, values in figures.items()},
            "samples_per_line": count, "sequences": len(examples)}
