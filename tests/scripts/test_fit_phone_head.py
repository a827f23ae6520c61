"""A phone head fitted alone on a trained network's frozen features: its cross-entropy falls, every other
weight stays exactly as it was (so the run animates as before), and a corpus without phones or a network
without a head is a clear error."""

import sys
from pathlib import Path

import pytest
import torch

from lipwright.errors import LipwrightError
from lipwright.training.checkpoint import save_checkpoint
from lipwright.training.examples import Example
from lipwright.training.phone_probe import fit_phone_head

from ..models.tiny_networks import pieces, tiny_network

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from fit_phone_head import with_phone_head  # noqa: E402


def frozen_state(network) -> dict:
    return {name: tensor.clone() for name, tensor in network.state_dict().items() if not name.startswith("phone_net.")}


def test_the_head_learns_and_nothing_else_moves(tiny_corpus):
    examples = pieces(tiny_corpus)
    network, config = tiny_network("jambatalk", examples, phones=True)
    before = frozen_state(network)
    history = fit_phone_head(network, examples, {name: i for i, name in enumerate(config.speakers)}, epochs=12,
                             batch_size=4, learning_rate=1e-2)
    assert history[-1] < 0.8 * history[0], history
    after = frozen_state(network)
    assert all(torch.equal(before[name], after[name]) for name in before)


def test_no_phones_or_no_head_is_a_clear_error(tiny_corpus):
    examples = pieces(tiny_corpus)
    network, config = tiny_network("jambatalk", examples, phones=True)
    bare = [Example(e.name, e.subject, e.audio, e.motion, e.fps) for e in examples]
    with pytest.raises(LipwrightError, match="synthetic corpus"):
        fit_phone_head(network, bare, {name: i for i, name in enumerate(config.speakers)}, epochs=1)
    headless, _ = tiny_network("jambatalk", examples)
    with pytest.raises(LipwrightError, match="phones=true"):
        fit_phone_head(headless, examples, {}, epochs=1)


def test_the_script_adds_a_head_to_a_run_and_keeps_its_weights(tiny_corpus, tmp_path):
    network, config = tiny_network("gldtalker", pieces(tiny_corpus), features=16, codes=16, code_dim=8, hidden=16,
                                   layers=1, heads=2, feed_forward=32, train_steps=100, sampling_steps=4)
    run = save_checkpoint(tmp_path / "run", network.state_dict(), config)
    fitted_config, state, history = with_phone_head(run, tiny_corpus, epochs=2)
    assert fitted_config.settings["phones"] is True
    assert {name for name in state if name.startswith("phone_net.")} == {"phone_net.out.weight", "phone_net.out.bias"}
    assert all(torch.equal(state[name], tensor) for name, tensor in network.state_dict().items())
    assert len(history) == 2 and history[1] < history[0]
