"""Phone supervision (`--set phones=true`): JambaTalk's, GLDiTalker's and the landmark model's losses gain a term that asks the
audio features for each frame's phone; training lowers it through the audio encoder itself; a network
without the setting has no phone head and trains as before."""

from dataclasses import replace

import pytest
import torch

from lipwright.errors import ModelError
from lipwright.metrics.lipsync import SEALED
from lipwright.models.parts.contacts import mouth_opening
from lipwright.training.phone_labels import PHONE_CLASSES

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


VARIANT_SETTINGS = {"jambatalk": {}, "gldtalker": GLD_TINY, "landmarks": {}}


@pytest.mark.parametrize("variant", VARIANT_SETTINGS)
def test_bilabial_seal_needs_the_phone_head(tiny_corpus, variant):
    with pytest.raises(ModelError, match="phones=true"):
        tiny_network(variant, pieces(tiny_corpus), **VARIANT_SETTINGS[variant], bilabial_seal=0.5)


@pytest.mark.parametrize("variant", VARIANT_SETTINGS)
def test_a_heard_bilabial_seals_the_lips_and_the_head_alone_changes_no_motion(tiny_corpus, variant):
    examples = pieces(tiny_corpus)
    plain, _ = tiny_network(variant, examples, **VARIANT_SETTINGS[variant])
    with torch.no_grad():  # weights that move the mouth (a fresh JambaTalk starts from no motion)
        for parameter in plain.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    network, _ = tiny_network(variant, examples, **VARIANT_SETTINGS[variant], phones=True)
    network.load_state_dict(plain.state_dict(), strict=False)
    batch = first_batch(network, examples, size=2)
    speakers = torch.tensor([0, -1])
    options = {"seeds": [3, 4]} if variant != "jambatalk" else {}

    def predicted(net) -> torch.Tensor:
        return net.eval().predict(batch.audio, batch.frames, speakers, **options)

    before = predicted(plain)
    assert torch.equal(predicted(network), before)  # a head the motion never reads
    with torch.no_grad():  # a head that hears p at every frame
        network.phone_net.out.weight.zero_()
        network.phone_net.out.bias.fill_(-10.0)
        network.phone_net.out.bias[PHONE_CLASSES.index("P")] = 10.0
    assert torch.equal(predicted(network), before)  # bilabial_seal 0: not read
    network.settings = replace(network.settings, bilabial_seal=0.5)
    sealed = predicted(network)
    for row, frames in enumerate(batch.frames):
        # A look-ahead network hears its first frames from no row: those keep their motion.
        first = getattr(network, "_ahead", 0)
        assert bool((mouth_opening(sealed[row, first:frames]) <= SEALED).all())
    assert not bool((mouth_opening(before[0, :batch.frames[0]]) <= SEALED).all())
