"""Fit a phone head alone on a trained network's frozen audio features (a linear probe).

A network's encoder, trained for motion, already tells a p from a t better than its motion shows: read
through a phone head, its bilabial posterior separates them on voices it never heard (benchmarks/
RESULTS.md). Fitting only the head leaves every other weight, and so the network's motion, exactly as
it was. The encoder runs once per example (in eval mode: no augmentation), then the head trains on
the stored features for a few epochs, which takes a minute on a CPU for a 4-hour corpus."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..errors import LipwrightError
from ..models.base import Progress, no_progress
from .batches import collate
from .examples import Example


def fit_phone_head(network: torch.nn.Module, examples: Sequence[Example], speakers: dict[str, int],
                   epochs: int = 8, batch_size: int = 32, learning_rate: float = 3e-3, seed: int = 0,
                   progress: Progress = no_progress) -> list[float]:
    """Train `network.phone_net` on `examples` (which must carry phones) with every other weight frozen,
    the batches in an order drawn from `seed`; returns the mean cross-entropy of each epoch."""
    head = getattr(network, "phone_net", None)
    if head is None:
        raise LipwrightError("the network has no phone head: build it with the setting phones=true")
    if not any(example.phones is not None for example in examples):
        raise LipwrightError("no example knows its phones: fit the phone head on a synthetic corpus "
                             "(lipwright data synth), whose phones/ folder says what was spoken when")
    network.eval()
    stored = []
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = collate(examples[start:start + batch_size], speakers)
            features, ahead = network.phone_features(batch.audio, batch.frames)
            stored.append((features, batch.phones, ahead))
            progress(0.5 * min(1.0, (start + batch_size) / len(examples)), "hearing the corpus")
    optimiser = torch.optim.Adam(head.parameters(), lr=learning_rate)
    history = []
    with torch.enable_grad():
        for epoch in range(epochs):
            losses = []
            for index in np.random.default_rng([seed, epoch]).permutation(len(stored)):
                features, phones, ahead = stored[index]
                loss = head.loss(features, phones, ahead)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                losses.append(loss.item())
            history.append(float(np.mean(losses)))
            progress(0.5 + 0.5 * (epoch + 1) / epochs, f"phone head epoch {epoch + 1}: {history[-1]:.3f}")
    return history
