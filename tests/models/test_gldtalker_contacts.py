"""GLDiTalker with contact decisions (`--set contacts=true`): the decisions read the decoded weights of
the sampled motion and the audio, learn in the diffusion stage beside the latent loss, and a sealed
decision closes the lips; a clip still samples the same alone or batched; without contacts the
network's weights are named as before."""

import math

import pytest
import torch

from lipwright.errors import ModelError
from lipwright.metrics.lipsync import SEALED
from lipwright.models.parts.contacts import mouth_opening

from .tiny_networks import first_batch, loss_term, losses_of_steps, pieces, tiny_network

TINY = {"features": 16, "codes": 16, "code_dim": 8, "hidden": 16, "layers": 1, "heads": 2, "feed_forward": 32,
        "train_steps": 100, "sampling_steps": 4, "dead_code_threshold": 0.5}


def contact_term(network, batch) -> float:
    return loss_term(network, batch, "contact_weight")


@pytest.fixture(scope="module")
def trained(tiny_corpus):
    """(the network, its batch, the contact term before stage 2, the stage-2 losses): a prior fitted to
    one batch, then the diffusion and the decisions on the same batch."""
    examples = pieces(tiny_corpus)
    network, _ = tiny_network("gldtalker", examples, **TINY, contacts=True, contact_weight=1.0)
    batch = first_batch(network, examples, size=3)
    network.begin_stage("prior")
    network.train()
    losses_of_steps(network, batch, steps=20, learning_rate=1e-2)
    network.begin_stage("diffusion")
    before = contact_term(network, batch)
    network.train()
    losses = losses_of_steps(network, batch, steps=30, learning_rate=1e-2)
    return network.eval(), batch, before, losses


def test_the_diffusion_stage_loss_holds_the_contact_term_and_it_falls(trained):
    network, batch, before, losses = trained
    # Undecided at first (the head starts at zero: both probabilities 1/2), so the term is log 2.
    assert math.isclose(before, math.log(2), rel_tol=1e-5)
    assert contact_term(network, batch) < 0.6 * before
    assert sum(losses[-5:]) < 0.7 * sum(losses[:5]), losses


def test_a_sealed_decision_closes_the_lips_and_no_decision_leaves_the_motion(trained):
    network, batch, _, _ = trained
    speakers = torch.tensor([0, 1, -1])

    def predicted_with(sealed: float, rest: float) -> torch.Tensor:
        with torch.no_grad():
            network.contact_net.out.bias.copy_(torch.tensor([sealed, rest]))
            network.contact_net.out.weight.zero_()
        return network.predict(batch.audio, batch.frames, speakers, seeds=[1, 2, 3])

    saved = {name: tensor.clone() for name, tensor in network.contact_net.state_dict().items()}
    try:
        undecided = predicted_with(-10.0, -10.0)
        sealed = predicted_with(10.0, -10.0)
    finally:
        network.contact_net.load_state_dict(saved)
    assert float(mouth_opening(undecided)[batch.frame_mask].max()) > 2 * SEALED  # the check can fail
    assert float(mouth_opening(sealed)[batch.frame_mask].max()) <= SEALED


def test_each_clip_samples_the_same_alone_and_batched_with_contacts(trained):
    network, batch, _, _ = trained
    speakers = torch.tensor([0, 1, -1])
    together = network.sample(batch.audio, batch.frames, speakers, count=2, seeds=[4, 5, 6])
    for row, frames in enumerate(batch.frames):
        span = round(frames / 30 * 16000)
        alone = network.sample(batch.audio[row:row + 1, :span], [frames], speakers[row:row + 1], count=2,
                               seeds=[[4, 5, 6][row]])
        torch.testing.assert_close(together[:, row:row + 1, :frames], alone, atol=1e-5, rtol=1e-4)


def test_without_contacts_the_weights_are_named_as_before(tiny_corpus):
    examples = pieces(tiny_corpus)[:2]
    plain, _ = tiny_network("gldtalker", examples, **TINY)
    with_contacts, _ = tiny_network("gldtalker", examples, **TINY, contacts=True)
    names = set(plain.state_dict())
    assert plain.contact_net is None and not any("contact" in name for name in names)
    assert {name.split(".")[0] for name in names} == {"prior", "encoder", "diffusion", "motion_scale", "latent_scale"}
    added = set(with_contacts.state_dict()) - names
    assert added and all(name.startswith("contact_net.") for name in added)
    assert names <= set(with_contacts.state_dict())


def test_contacts_in_vertex_space_are_refused(tiny_corpus):
    examples = pieces(tiny_corpus, space="vertices")[:2]
    with pytest.raises(ModelError, match="ARKit-weights space"):
        tiny_network("gldtalker", examples, space="vertices", **TINY, contacts=True)
