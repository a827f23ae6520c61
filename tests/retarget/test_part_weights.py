"""The weights of the units that move separate parts, read off a motion on the default head: offsets made by known
weights give those weights back, whatever else the face does at the same time."""

import numpy as np
import pytest

from lipwright.models.offset_frames import OffsetFrames
from lipwright.retarget.part_weights import estimate_part_weights, model_part_weights, part_units


def test_the_part_units_are_those_of_the_jaw_the_tongue_and_the_eyes(head):
    units = part_units(head)
    for name in ("jawOpen", "jawLeft", "jawRight", "jawForward", "tongueOut", "eyeLookInLeft", "eyeLookUpRight"):
        assert name in units
    for name in ("mouthSmileLeft", "mouthClose", "browInnerUp", "eyeBlinkLeft", "cheekPuff"):
        assert name not in units


def test_offsets_made_by_known_weights_give_them_back(head, spoken_weights):
    rng = np.random.default_rng(3)
    # A spoken line plus random motion of every unit (smiles, brows, blinks, gaze) on top of it.
    weights = np.clip(spoken_weights + rng.uniform(0.0, 0.4, spoken_weights.shape)
                      * (rng.uniform(size=spoken_weights.shape) < 0.3), 0.0, 1.0)
    weights[:3] = 0.0  # frames at rest
    offsets = OffsetFrames(weights, head.targets)  # streamed a block at a time, as a model's are
    estimate = estimate_part_weights(offsets, head)
    assert estimate.names == part_units(head)
    columns = [list(head.target_names).index(name) for name in estimate.names]
    assert estimate.weights.shape == (len(weights), len(columns)) and estimate.weights.dtype == np.float32
    np.testing.assert_allclose(estimate.weights, weights[:, columns], atol=1e-4)
    assert np.all(estimate.weights[:3] == 0.0)


def test_noisy_offsets_still_give_the_jaw_its_opening(head, spoken_weights):
    # A model's motion is never exactly the head's units: 5% of the motion's size in noise on every vertex.
    jaw = list(head.target_names).index("jawOpen")
    offsets = np.einsum("fk,kvd->fvd", spoken_weights, np.asarray(head.targets, np.float64))
    noisy = offsets + np.random.default_rng(4).normal(0.0, 0.05 * np.abs(offsets).max(), offsets.shape)
    estimate = estimate_part_weights(noisy, head)
    opening = estimate.weights[:, estimate.names.index("jawOpen")]
    assert np.corrcoef(opening, spoken_weights[:, jaw])[0, 1] > 0.95
    assert np.abs(opening - spoken_weights[:, jaw]).max() < 0.1
    assert np.all(estimate.weights >= 0.0)


def test_a_models_own_weights_are_used_as_they_are(head, spoken_weights):
    own = model_part_weights(spoken_weights, head.target_names, head)
    columns = [list(head.target_names).index(name) for name in own.names]
    np.testing.assert_array_equal(own.weights, spoken_weights[:, columns].astype(np.float32))
    assert model_part_weights(spoken_weights[:, :10], head.target_names[:10], head) is None


def test_offsets_of_another_mesh_are_refused(head):
    with pytest.raises(ValueError, match="do not move the template's"):
        estimate_part_weights(np.zeros((2, 10, 3)), head)


def test_a_frame_that_is_no_motion_leaves_the_parts_at_rest(head, spoken_weights):
    offsets = np.einsum("fk,kvd->fvd", spoken_weights[:20], np.asarray(head.targets, np.float64))
    offsets[5, 10, 1] = np.nan
    estimate = estimate_part_weights(offsets, head)
    assert np.all(estimate.weights[5] == 0.0) and np.all(np.isfinite(estimate.weights))
    assert estimate.weights[:, estimate.names.index("jawOpen")].max() > 0.1
