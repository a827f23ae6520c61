"""A tiny synthetic corpus and a tiny trained run on it, made by `lipwright train` as a user makes one."""

from pathlib import Path

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
