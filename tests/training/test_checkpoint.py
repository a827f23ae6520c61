"""A run saved and loaded gives the same model output, with a config that says what it is."""

import json

import pytest
import torch
from torch import nn

from lipwright.encoders.log_mel import LogMelConfig, LogMelEncoder
from lipwright.errors import ModelError
from lipwright.training.checkpoint import RunConfig, load_checkpoint, save_checkpoint


def run_config(**changes):
    values = dict(model="tiny", motion_space="weights", fps=30.0, template="default-head", speakers=["a", "b"],
                  encoder={"kind": "log-mel", **LogMelConfig(dim=8, layers=1).to_dict()}, settings={"width": 8})
    return RunConfig(**{**values, **changes})


def test_a_saved_run_loads_back_to_identical_output(tmp_path):
    torch.manual_seed(0)
    config = run_config()
    model = nn.ModuleDict({"encoder": LogMelEncoder(LogMelConfig(dim=8, layers=1)), "head": nn.Linear(8, 52)})
    save_checkpoint(tmp_path / "run", model.state_dict(), config)
    loaded_config, state = load_checkpoint(tmp_path / "run")
    assert loaded_config == config
    encoder_settings = {k: v for k, v in loaded_config.encoder.items() if k != "kind"}
    again = nn.ModuleDict({"encoder": LogMelEncoder(LogMelConfig(**encoder_settings)), "head": nn.Linear(8, 52)})
    again.load_state_dict(state)
    audio = torch.randn(1, 16000)
    with torch.no_grad():
        torch.testing.assert_close(again["head"](again["encoder"](audio, 30)), model["head"](model["encoder"](audio, 30)),
                                   rtol=0, atol=0)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["config.json", "model.safetensors"]


def test_what_is_not_a_run_is_named(tmp_path):
    with pytest.raises(ModelError, match="not a trained run"):
        load_checkpoint(tmp_path)
    with pytest.raises(ModelError, match="unknown motion space"):
        run_config(motion_space="landmarks")
    save_checkpoint(tmp_path, {"w": torch.zeros(2)}, run_config())
    data = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**data, "format_version": 99}))
    with pytest.raises(ModelError, match="newer Lipwright"):
        load_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model": "tiny"}))
    with pytest.raises(ModelError, match="cannot be read"):
        load_checkpoint(tmp_path)
