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


def test_a_heard_bilabial_seals_the_lips_beside_the_decisions_and_nothing_else_changes():
    """Over generated frames: where a phone head's bilabial probability is well over its threshold the
    lips seal whatever the decisions say; where it is well under, the result is the decisions' alone;
    with no contact head the bilabials alone decide and nothing rests."""
    for seed in range(5):
        rng = np.random.default_rng(200 + seed)
        weights = random_weights(seed)
        logits = torch.tensor(rng.normal(0, 4, (1, FRAMES, 2)), dtype=torch.float32)
        bilabial = torch.tensor(rng.random((1, FRAMES)), dtype=torch.float32)
        for threshold in (0.2, 0.5):
            heard = bilabial[0].numpy() >= threshold + 0.1
            unheard = bilabial[0].numpy() <= threshold - 0.1
            both = apply_contacts(weights, logits, 0.5, bilabial, threshold)[0].numpy()
            decisions = apply_contacts(weights, logits, 0.5)[0].numpy()
            assert np.all(opening_and_rest(both)[0][heard] <= SEALED)
            np.testing.assert_array_equal(both[unheard], decisions[unheard])
            alone = apply_contacts(weights, None, bilabial=bilabial, bilabial_threshold=threshold)[0].numpy()
            assert np.all(opening_and_rest(alone)[0][heard] <= SEALED)
            np.testing.assert_array_equal(alone[unheard], weights[0].numpy()[unheard])
        # Threshold 0: the bilabials are not read at all.
        np.testing.assert_array_equal(apply_contacts(weights, logits, 0.5, bilabial, 0.0).numpy(),
                                      apply_contacts(weights, logits, 0.5).numpy())
