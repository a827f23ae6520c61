"""Phone supervision (`--set phones=true`): JambaTalk's, GLDiTalker's and the landmark model's losses gain a term that asks the
audio features for each frame's phone; training lowers it through the audio encoder itself; a network
without the setting has no phone head and trains as before."""

import pytest
import torch

from .test_gldtalker_contacts import TINY as GLD_TINY
from .tiny_networks import first_batch, loss_term, losses_of_steps, pieces, tiny_network


def phone_term(network, batch) -> float:
    return loss_term(network, batch, "phone_weight")


def encoder_weights(network) -> torch.Tensor:
    return torch.cat([p.detach().flatten().clone() for p in network.encoder.parameters()])


@pytest.mark.parametrize("variant", ["jambatalk", "gldtalker", "landmarks"])
def test_the_phone_term_falls_as_the_encoder_learns_to_name_phones(tiny_corpus, variant):
    examples = pieces(tiny_corpus)
    settings = GLD_TINY if variant == "gldtalker" else {}
    network, _ = tiny_network(variant, examples, **settings, phones=True, phone_weight=1.0)
    batch = first_batch(network, examples, size=3)
    if variant == "gldtalker":
        network.begin_stage("prior")
        network.train()
        losses_of_steps(network, batch, steps=5, learning_rate=1e-2)
        network.begin_stage("diffusion")
    before, encoder_before = phone_term(network, batch), encoder_weights(network)
    # A fresh head guesses evenly among the classes at first: about log(classes).
    assert 2.5 < before < 5.0
    # The encoder alone: the head frozen, so only features that tell the phones apart lower the term.
    network.phone_net.requires_grad_(False)
    for name, parameter in network.named_parameters():
        parameter.requires_grad_(name.startswith("encoder."))
    network.train()
    losses_of_steps(network, batch, steps=40, learning_rate=1e-2)
    assert phone_term(network, batch) < 0.8 * before
    assert not torch.equal(encoder_weights(network), encoder_before)


@pytest.mark.parametrize("variant", ["jambatalk", "gldtalker", "landmarks"])
def test_without_the_setting_there_is_no_phone_head(tiny_corpus, variant):
    examples = pieces(tiny_corpus)
    network, config = tiny_network(variant, examples, **(GLD_TINY if variant == "gldtalker" else {}))
    assert network.phone_net is None and config.settings["phones"] is False
    assert not any(name.startswith("phone_net.") for name in network.state_dict())
    with_head, _ = tiny_network(variant, examples, **(GLD_TINY if variant == "gldtalker" else {}), phones=True)
    extra = set(with_head.state_dict()) - set(network.state_dict())
    assert extra == {"phone_net.out.weight", "phone_net.out.bias"}
