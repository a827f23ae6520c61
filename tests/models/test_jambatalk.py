"""JambaTalk is built as the issue asks (Mamba and attention layers, grouped-query attention with
rotary positions, mixture-of-experts with a load-balancing loss), and its cached frame-by-frame
inference is the autoregressive model it trains."""

from dataclasses import replace

import torch
from transformers.models.jamba.modeling_jamba import (JambaAttentionDecoderLayer, JambaMambaDecoderLayer,
                                                      JambaSparseMoeBlock)

from lipwright.models.jambatalk import JambaTalk, JambaTalkSettings, RotaryJambaAttention
from lipwright.training.batches import collate, speaker_index

from .tiny_networks import pieces, tiny_network


def test_the_default_decoder_mixes_mamba_and_grouped_query_attention_layers_with_experts(tiny_corpus):
    examples = pieces(tiny_corpus)[:2]
    _, config = tiny_network("jambatalk", examples)
    network = JambaTalk(replace(config, settings={}))  # the shipped defaults
    layers = list(network.decoder.layers)
    assert any(isinstance(layer, JambaMambaDecoderLayer) for layer in layers)
    attention = [layer.self_attn for layer in layers if isinstance(layer, JambaAttentionDecoderLayer)]
    assert attention and all(isinstance(layer, RotaryJambaAttention) for layer in attention)
    # Grouped-query attention: fewer key/value heads than query heads.
    assert attention[0].k_proj.out_features < attention[0].q_proj.out_features
    assert attention[0].v_proj.out_features == attention[0].k_proj.out_features
    experts = [layer.feed_forward for layer in layers if isinstance(layer.feed_forward, JambaSparseMoeBlock)]
    assert experts and experts[0].num_experts == network.settings.experts > 1


def test_rotary_positions_make_attention_depend_on_relative_position_only():
    torch.manual_seed(0)
    config = JambaTalkSettings(hidden=16, heads=2, kv_heads=1).jamba_config()
    attention = RotaryJambaAttention(config, layer_idx=1, theta=10000.0).eval()
    hidden = torch.randn(1, 6, 16)
    positions = torch.arange(6)[None]
    output, _ = attention(hidden, position_ids=positions)
    shifted, _ = attention(hidden, position_ids=positions + 7)
    stretched, _ = attention(hidden, position_ids=positions * 3)
    torch.testing.assert_close(shifted, output, atol=1e-5, rtol=1e-4)  # the same distances apart
    assert not torch.allclose(stretched, output, atol=1e-3)  # farther apart: different attention


def test_the_experts_load_balancing_term_is_part_of_the_loss(tiny_corpus):
    examples = pieces(tiny_corpus)[:2]
    batch = collate(examples, speaker_index(examples))
    losses = []
    for weight in (0.0, 1.0):
        network, _ = tiny_network("jambatalk", examples, balance_weight=weight)
        with torch.no_grad():
            losses.append(float(network.eval().loss(batch)))
    # Two experts, one per frame: the term is near 1 when they share the frames evenly, more when not.
    assert losses[1] - losses[0] > 0.5


def test_cached_frame_by_frame_inference_is_the_model_it_trains(tiny_corpus):
    examples = pieces(tiny_corpus)
    short = next(example for example in examples if len(example.motion) < len(examples[0].motion))
    network, _ = tiny_network("jambatalk-autoregressive", examples, balance_weight=0.0)
    torch.nn.init.normal_(network.motion_out.weight, std=0.3)  # an untrained network predicts no motion
    network.eval()
    batch = collate([examples[0], short], speaker_index(examples))
    speakers = torch.tensor([0, -1])
    predicted = network.predict(batch.audio, batch.frames, speakers)
    assert predicted[batch.frame_mask].abs().max() > 0.1
    # Teacher-forced on its own predictions, the training pass must predict them again, frame for frame.
    own = replace(batch, motion=torch.where(batch.frame_mask[..., None], predicted, 0.0), speakers=speakers)
    with torch.no_grad():
        assert float(network.loss(own)) < 1e-9
        assert float(network.loss(replace(own, motion=own.motion.roll(1, dims=1)))) > 1e-3
