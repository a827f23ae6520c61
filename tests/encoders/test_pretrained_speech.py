"""wav2vec 2.0 / HuBERT from a local folder: a tiny randomly initialised model saved with
save_pretrained loads back, gives the same features at the motion frame rate, and trains all but
its feature encoder."""

import json

import pytest
import torch
from transformers import HubertConfig, HubertModel, Wav2Vec2Config, Wav2Vec2Model

from lipwright.encoders.pretrained_speech import load_pretrained_speech_encoder
from lipwright.errors import ModelError

TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
            conv_dim=(16,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)


@pytest.mark.parametrize("config_class, model_class", [(Wav2Vec2Config, Wav2Vec2Model), (HubertConfig, HubertModel)])
def test_a_saved_tiny_model_loads_back_frozen_at_its_convolutions(tmp_path, config_class, model_class):
    torch.manual_seed(0)
    original = model_class(config_class(**TINY)).eval()
    original.save_pretrained(tmp_path)
    encoder = load_pretrained_speech_encoder(tmp_path).eval()
    assert encoder.dim == 32
    audio = 0.1 * torch.randn(2, 32000)
    with torch.no_grad():
        features = encoder(audio, frames=60)  # two seconds at 30 fps
        normalised = (audio - audio.mean(-1, keepdim=True)) / torch.sqrt(audio.var(-1, keepdim=True) + 1e-7)
        expected = original(normalised).last_hidden_state  # 50 Hz: 99 steps
    assert features.shape == (2, 60, 32)
    torch.testing.assert_close(features[:, 0], expected[:, 0])
    torch.testing.assert_close(features[:, -1], expected[:, -1])
    convolutions = encoder.model.feature_extractor.parameters()
    assert not any(p.requires_grad for p in convolutions)
    assert all(p.requires_grad for p in encoder.model.encoder.parameters())


def test_a_missing_folder_or_another_kind_of_model_is_named(tmp_path):
    with pytest.raises(ModelError, match="no speech encoder in"):
        load_pretrained_speech_encoder(tmp_path / "absent")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelError, match="'bert' model"):
        load_pretrained_speech_encoder(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "wav2vec2", **TINY}))
    with pytest.raises(ModelError, match="cannot load the speech encoder"):
        load_pretrained_speech_encoder(tmp_path)  # a config without weights
