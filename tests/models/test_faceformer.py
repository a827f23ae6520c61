"""FaceFormer's pieces do their work inside the network: the alignment mask keeps each frame to its
own audio, the causal mask keeps the future out, the period reaches the positional encoding and the
attention bias, inference feeds back what training teaches, and it works in vertex space too."""

from dataclasses import replace

import pytest
import torch

from lipwright.errors import ModelError
from lipwright.models.faceformer import FaceFormer
from lipwright.training.batches import collate, speaker_index

from .tiny_networks import losses_of_steps, pieces, tiny_network


@pytest.fixture(scope="module")
def examples(tiny_corpus):
    return pieces(tiny_corpus)


def moving(network):
    """The network in eval mode with a random output layer (a fresh one predicts no motion at all)."""
    torch.manual_seed(1)
    torch.nn.init.normal_(network.motion_out.weight, std=0.3)
    return network.eval()


def test_each_frame_hears_only_its_own_audio_and_sees_only_past_motion(examples):
    network = moving(tiny_network("faceformer", examples, layers=1)[0])
    motion_inputs, audio = torch.randn(1, 12, 16), torch.randn(1, 12, 16)
    with torch.no_grad():
        output = network._decode(motion_inputs, audio)
        other_audio = audio.clone()
        other_audio[:, 5] += 1.0
        changed = (network._decode(motion_inputs, other_audio) - output).abs().amax(dim=-1)[0]
        assert changed[5] > 1e-3 and changed[torch.arange(12) != 5].max() == 0  # the alignment mask
        later_motion = motion_inputs.clone()
        later_motion[:, 5] += 1.0
        changed = (network._decode(later_motion, audio) - output).abs().amax(dim=-1)[0]
        assert changed[:5].max() == 0 and changed[5:].min() > 1e-4  # the causal mask


def test_the_period_reaches_the_positional_encoding_and_the_attention_bias(examples):
    batch = collate(examples[:1], speaker_index(examples))
    audio, frames = batch.audio[:, :16000], [30]
    outputs = {}
    for period in (30, 5):
        network = moving(tiny_network("faceformer", examples, period=period)[0])
        assert network.positions.period == period
        outputs[period] = network.predict(audio, frames, torch.tensor([0]))
    # Up to one period in, positions and biases agree (t mod 5 = t mod 30); from then on they do not.
    torch.testing.assert_close(outputs[5][:, :5], outputs[30][:, :5])
    assert (outputs[5][0, 5:] - outputs[30][0, 5:]).abs().amax(dim=-1).min() > 1e-5


def test_the_period_is_one_second_of_the_runs_frames_unless_set(examples):
    _, config = tiny_network("faceformer", examples[:2])
    tiny = {"d_model": 16, "heads": 2}
    assert FaceFormer(replace(config, fps=25.0, settings=tiny)).positions.period == 25  # BIWI
    network = FaceFormer(replace(config, fps=25.0, settings={**tiny, "period": 10}))
    assert network.positions.period == 10 and network.settings_dict()["period"] == 10


def test_frame_by_frame_inference_is_the_model_it_trains(examples):
    network = moving(tiny_network("faceformer", examples, velocity_weight=0.0)[0])
    short = next(example for example in examples if len(example.motion) < len(examples[0].motion))
    batch = collate([examples[0], short], speaker_index(examples))
    speakers = torch.tensor([1, -1])
    predicted = network.predict(batch.audio, batch.frames, speakers)
    # Teacher-forced on its own predictions, the training pass must predict them again, frame for frame.
    own = replace(batch, motion=torch.where(batch.frame_mask[..., None], predicted, 0.0), speakers=speakers)
    with torch.no_grad():
        assert float(network.loss(own)) < 1e-10
        assert float(network.loss(replace(own, motion=own.motion.roll(1, dims=1)))) > 1e-3


def test_it_learns_in_vertex_space(tiny_corpus):
    examples = pieces(tiny_corpus, space="vertices")[:2]
    network, config = tiny_network("faceformer", examples, space="vertices")
    assert config.motion_dim == examples[0].motion.shape[1] > 52
    batch = collate(examples, speaker_index(examples))
    losses = losses_of_steps(network, batch, steps=4, learning_rate=1e-5)  # offsets are millimetres
    assert losses[-1] < losses[0]
    predicted = network.eval().predict(batch.audio, batch.frames, torch.tensor([0, -1]))
    assert predicted.shape == (2, max(batch.frames), config.motion_dim)


@pytest.mark.parametrize("settings, problem", [({"d_model": 15}, "even"), ({"heads": 3}, "multiple"),
                                               ({"period": 0}, "period")])
def test_impossible_settings_are_refused(examples, settings, problem):
    with pytest.raises(ModelError, match=problem):
        tiny_network("faceformer", examples[:2], **settings)
