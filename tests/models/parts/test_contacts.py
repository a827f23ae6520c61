"""Lip contact decisions, over many generated frames: what they commit is what the lip-sync
measures call sealed and at rest, and frames without a decision are left alone."""

import numpy as np
import torch

from lipwright.metrics.lipsync import SEALED, opening_and_rest
from lipwright.models.parts.contacts import apply_contacts, contact_targets, mouth_opening
from lipwright.motion.visemes import mouth_opening as numpy_mouth_opening

FRAMES = 4000


def random_weights(seed):
    rng = np.random.default_rng(seed)
    # Mostly small weights with some near zero, as a face's are.
    weights = rng.random((1, FRAMES, 52)) ** 3 * (rng.random((1, FRAMES, 52)) > 0.3)
    return torch.tensor(weights, dtype=torch.float32)


def test_the_torch_opening_and_labels_agree_with_the_measures():
    for seed in range(5):
        weights = random_weights(seed)
        np.testing.assert_allclose(mouth_opening(weights)[0].numpy(), numpy_mouth_opening(weights[0].numpy()),
                                   atol=1e-6)
        opening, rest = opening_and_rest(weights[0].numpy())
        labels = contact_targets(weights)[0].numpy()
        assert np.array_equal(labels[:, 0] == 1, opening <= SEALED)
        assert np.array_equal(labels[:, 1] == 1, rest)


def test_committed_frames_are_sealed_or_at_rest_and_undecided_frames_unchanged():
    for seed in range(5):
        weights = random_weights(seed)
        logits = torch.tensor(np.random.default_rng(100 + seed).normal(0, 4, (1, FRAMES, 2)), dtype=torch.float32)
        for threshold in (0.3, 0.5):
            committed = apply_contacts(weights, logits, threshold)[0].numpy()
            probability = torch.sigmoid(logits)[0].numpy()
            opening, rest = opening_and_rest(committed)
            sure_sealed = probability[:, 0] >= threshold + 0.1
            sure_rest = probability[:, 1] >= threshold + 0.1
            assert sure_sealed.any() and sure_rest.any()
            assert np.all(opening[sure_sealed] <= 1e-6)
            assert np.all(rest[sure_rest])
            neither = (probability[:, 0] <= threshold - 0.1) & (probability[:, 1] <= threshold - 0.1)
            np.testing.assert_array_equal(committed[neither], weights[0].numpy()[neither])
            assert np.all((committed >= 0) & (committed <= weights[0].numpy().max() + 1e-6))
