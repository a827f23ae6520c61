"""Every network (JambaTalk in both modes, FaceFormer) on a tiny corpus: it learns, a checkpoint
saved and loaded predicts the same, a clip's motion does not depend on what it is batched
with, speakers are selectable, and unknown settings are refused."""

import pytest
import torch

from lipwright.errors import ModelError
from lipwright.models.networks import load_network, network_class
from lipwright.training.checkpoint import save_checkpoint

from .tiny_networks import VARIANTS, first_batch, pieces, tiny_network, train_briefly


@pytest.fixture(scope="module", params=list(VARIANTS))
def trained(request, tiny_corpus, tmp_path_factory):
    """(variant, the network after a few epochs, its examples, the loss before, the history)."""
    examples = pieces(tiny_corpus)
    network, config = tiny_network(request.param, examples)
    before, history = train_briefly(network, config, examples, tmp_path_factory.mktemp(request.param))
    return request.param, network.eval(), examples, before, history


def test_each_network_learns_from_the_tiny_corpus(trained):
    variant, _, _, before, history = trained
    assert len(history) == 3
    assert history[-1]["val"] < 0.8 * before, (variant, before, history)


def test_a_saved_checkpoint_predicts_exactly_what_the_network_did(trained, tmp_path):
    _, network, examples, _, _ = trained
    save_checkpoint(tmp_path / "run", network.state_dict(), network.config)
    loaded = load_network(tmp_path / "run")
    assert loaded.config == network.config and not loaded.training
    batch = first_batch(network, examples)
    speakers = torch.tensor([0, 1, -1])
    expected = network.predict(batch.audio, batch.frames, speakers)
    assert expected.shape == (3, max(batch.frames), 52) and expected.abs().max() > 0
    assert torch.equal(loaded.predict(batch.audio, batch.frames, speakers), expected)


def test_each_clip_of_a_batch_is_predicted_as_if_alone(trained):
    _, network, examples, _, _ = trained
    short = next(example for example in examples if len(example.motion) < len(examples[0].motion))
    batch = first_batch(network, [examples[0], short], size=2)
    predicted = network.predict(batch.audio, batch.frames, torch.tensor([0, 1]))
    span = round(len(short.motion) / short.fps * 16000)  # the audio its frames cover, as in the batch
    alone = network.predict(batch.audio[1:, :span], [len(short.motion)], torch.tensor([1]))
    torch.testing.assert_close(predicted[1:, :len(short.motion)], alone, atol=1e-5, rtol=1e-4)


def test_the_speaker_chooses_the_talking_style(trained):
    _, network, examples, _, _ = trained
    batch = first_batch(network, examples, size=1)
    styles = [network.predict(batch.audio, batch.frames, torch.tensor([speaker])) for speaker in (0, 1, -1)]
    assert not torch.allclose(styles[0], styles[1]) and not torch.allclose(styles[2], styles[0])


def test_the_settings_are_written_out_whole(trained):
    variant, network, _, _, _ = trained
    model, given = VARIANTS[variant]
    assert network.config.settings == network.settings_dict()
    assert set(given) < set(network.config.settings)
    assert all(network.config.settings[key] == value for key, value in given.items())
    assert network_class(model).__name__ == type(network).__name__


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_unknown_settings_are_refused_by_name(variant, tiny_corpus):
    examples = pieces(tiny_corpus)[:2]
    with pytest.raises(ModelError, match="hiden.*wibble|wibble.*hiden") as error:
        tiny_network(variant, examples, hiden=32, wibble=1)
    assert VARIANTS[variant][0] in str(error.value)
