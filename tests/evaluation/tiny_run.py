"""A tiny synthetic corpus, a tiny run trained on it by `lipwright train` as a user trains one, and a
tiny untrained run saved as training saves one (no training time)."""

from dataclasses import replace
from pathlib import Path

import torch

from lipwright.encoders.build import log_mel_spec
from lipwright.models.networks import build_network
from lipwright.training.checkpoint import RunConfig, save_checkpoint
from lipwright.cli.main import main
from lipwright.synthetic.corpus import make_corpus
from lipwright.synthetic.voices import Voice

TINY_NETWORK = ("--set", "hidden=16", "--set", "feed_forward=32", "--set", "layers=2", "--set", "heads=2",
                "--set", "kv_heads=1", "--set", "experts=2", "--set", "experts_per_frame=1",
                "--encoder-set", "dim=16", "--encoder-set", "layers=1")


def tiny_corpus(folder: Path) -> Path:
    make_corpus(folder, hours=8 / 3600, voices=(Voice("flite", "rms"), Voice("espeak-ng", "en-us")), seed=3,
                augmented=False)
    return folder


def tiny_run(corpus: Path, out: Path, epochs: int = 2, space: str = "weights") -> Path:
    """A jambatalk run of a few steps in `out` (best/, last/, history.json)."""
    assert main(["train", "--model", "jambatalk", "--data", str(corpus), "--out", str(out), "--space", space,
                 "--epochs", str(epochs), "--batch-size", "4", "--device", "cpu", *TINY_NETWORK]) == 0
    return out


def untrained_run(folder: Path, speakers: list[str], space: str = "weights", motion_dim: int = 52) -> Path:
    """A tiny jambatalk in folder/best, its output layer made to move (a fresh one starts from "no motion")."""
    config = RunConfig("jambatalk", space, 30.0, "default-head", speakers, log_mel_spec(dim=16, layers=1, mels=40),
                       {"hidden": 16, "feed_forward": 32, "layers": 2}, motion_dim=motion_dim)
    torch.manual_seed(0)
    network = build_network(config)
    network.config = replace(config, settings=network.settings_dict())
    torch.nn.init.normal_(network.motion_out.weight, std=0.5)
    torch.nn.init.constant_(network.motion_out.bias, 0.3)
    save_checkpoint(folder / "best", network.state_dict(), network.config)
    return folder
