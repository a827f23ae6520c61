"""The auxiliary phone head: it asks each frame's features for the phone they hear (the frame `ahead`
of theirs in a look-ahead network), skips unknown frames, and costs nothing on a corpus without phones."""

import numpy as np
import pytest
import torch

from lipwright.models.parts.phone_head import PhoneHead, phone_head
from lipwright.training.phone_labels import PHONE_CLASSES, UNKNOWN

CLASSES = len(PHONE_CLASSES)


def reading_head() -> PhoneHead:
    """A head whose logits are its features: one-hot features of a class name that class."""
    head = PhoneHead(CLASSES)
    with torch.no_grad():
        head.out.weight.copy_(torch.eye(CLASSES))
        head.out.bias.zero_()
    return head


@pytest.mark.parametrize("seed", range(20))
def test_features_that_hear_the_phone_ahead_are_right_only_when_asked_for_that_frame(seed):
    rng = np.random.default_rng(seed)
    ahead = int(rng.integers(0, 6))
    frames = int(rng.integers(ahead + 2, 40))
    # No phone twice in a row, so a frame asked for its neighbour's phone is always wrong.
    steps = rng.integers(1, CLASSES, size=(2, frames))
    phones = torch.from_numpy(np.cumsum(steps, axis=1) % CLASSES)
    phones[1, int(rng.integers(1, frames)):] = UNKNOWN  # a shorter clip in the batch
    heard = torch.cat([phones[:, ahead:], phones.new_full((2, ahead), UNKNOWN)], dim=1)
    features = 30.0 * torch.nn.functional.one_hot(heard.clamp(min=0), CLASSES).float()
    head = reading_head()
    assert float(head.loss(features, phones, ahead)) < 1e-6
    assert float(head.loss(features, phones, ahead + 1)) > 10.0


@pytest.mark.parametrize("seed", range(20))
def test_posteriors_put_each_frame_where_it_is_heard_and_the_unheard_frames_at_silence(seed):
    rng = np.random.default_rng(seed)
    ahead = int(rng.integers(0, 6))
    frames = int(rng.integers(ahead + 1, 40))
    phones = torch.from_numpy(rng.integers(0, CLASSES, size=(2, frames)))
    heard = torch.cat([phones[:, ahead:], phones[:, :ahead]], dim=1)  # row t hears frame t + ahead
    features = 30.0 * torch.nn.functional.one_hot(heard, CLASSES).float()
    head = reading_head()
    posteriors = head.posteriors(features, ahead)
    assert posteriors.shape == (2, frames, CLASSES)
    assert torch.equal(posteriors[:, ahead:].argmax(dim=-1), phones[:, ahead:])
    assert bool((posteriors[:, :ahead, PHONE_CLASSES.index("SIL")] == 1).all())
    bilabial = head.bilabial(features, ahead)
    is_bilabial = sum(phones == PHONE_CLASSES.index(label) for label in ("P", "B", "M")).bool()
    assert bool((bilabial[:, ahead:][is_bilabial[:, ahead:]] > 0.99).all())
    assert bool((bilabial[:, ahead:][~is_bilabial[:, ahead:]] < 0.01).all())
    assert bool((bilabial[:, :ahead] == 0).all())


def test_no_known_frame_costs_nothing_and_the_head_is_optional():
    head = reading_head()
    features = torch.randn(2, 10, CLASSES, requires_grad=True)
    assert float(head.loss(features, None)) == 0.0
    loss = head.loss(features, torch.full((2, 10), UNKNOWN))
    assert float(loss) == 0.0
    loss.backward()  # a zero that still backpropagates: a batch of VOCASET clips trains as before
    assert phone_head(False, 16) is None and isinstance(phone_head(True, 16), PhoneHead)
