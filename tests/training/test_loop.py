"""The shared training loop on a tiny model and a tiny synthetic corpus: the loss falls, a run
resumes exactly where it stopped, and training stops when validation stops improving."""

import json
import os

import pytest
import torch
from torch import nn

from lipwright.datasets.corpus import Corpus
from lipwright.encoders.log_mel import LogMelConfig, LogMelEncoder
from lipwright.synthetic.corpus import make_corpus
from lipwright.synthetic.voices import Voice
from lipwright.training.checkpoint import RunConfig, load_checkpoint
from lipwright.training.examples import corpus_examples
from lipwright.training.loop import TrainSettings, train

ENCODER = LogMelConfig(dim=16, layers=1)


class TinyWeightsModel(nn.Module):
    """Log-mel features straight to 52 weights: enough to see a loss fall."""

    def __init__(self):
        super().__init__()
        self.encoder = LogMelEncoder(ENCODER)
        self.head = nn.Linear(ENCODER.dim, 52)

    def loss(self, batch):
        predicted = self.head(self.encoder(batch.audio, batch.motion.shape[1]))
        error = (predicted - batch.motion) ** 2
        return error[batch.frame_mask].mean()


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    make_corpus(folder, hours=10 / 3600, voices=(Voice("flite", "awb"), Voice("espeak-ng", "en-gb")),
                augmented=False)
    return corpus_examples(Corpus(folder), "train", "weights")


def config(examples):
    return RunConfig(model="tiny", motion_space="weights", fps=30.0, template="default-head",
                     speakers=sorted({e.subject for e in examples}), encoder={"kind": "log-mel", **ENCODER.to_dict()})


def same_weights(a: dict, b: dict) -> bool:
    return all(torch.equal(a[name], b[name]) for name in a)


def fresh_model():
    torch.manual_seed(0)
    return TinyWeightsModel()


def test_the_loss_falls_and_the_best_run_is_saved(tmp_path, examples):
    settings = TrainSettings(epochs=6, batch_size=2, learning_rate=3e-3, device="cpu")
    result = train(fresh_model(), config(examples), examples, examples, tmp_path / "run", settings)
    losses = [epoch["train"] for epoch in result["history"]]
    assert len(losses) == 6 and losses[-1] < 0.7 * losses[0]
    saved_config, _ = load_checkpoint(tmp_path / "run" / "best")
    assert saved_config == config(examples)


def test_a_stopped_run_resumes_to_the_same_result(tmp_path, examples):
    settings = TrainSettings(epochs=4, batch_size=2, learning_rate=3e-3, device="cpu")
    straight = train(fresh_model(), config(examples), examples, examples, tmp_path / "straight", settings)
    train(fresh_model(), config(examples), examples, examples, tmp_path / "resumed",
          TrainSettings(**{**settings.__dict__, "epochs": 2}))
    resumed = train(fresh_model(), config(examples), examples, examples, tmp_path / "resumed", settings)
    assert [e["epoch"] for e in resumed["history"]] == [1, 2, 3, 4]
    flat = [[e["train"], e["val"]] for e in resumed["history"]]
    assert sum(flat, []) == pytest.approx(sum([[e["train"], e["val"]] for e in straight["history"]], []), rel=1e-6)
    _, a = load_checkpoint(tmp_path / "straight" / "last")
    _, b = load_checkpoint(tmp_path / "resumed" / "last")
    assert same_weights(a, b)


def test_training_stops_when_validation_stops_improving(tmp_path, examples):
    # A learning rate of zero never improves on the first epoch's validation loss.
    settings = TrainSettings(epochs=20, batch_size=2, learning_rate=0.0, patience=2, device="cpu")
    result = train(fresh_model(), config(examples), examples, examples, tmp_path / "run", settings)
    assert len(result["history"]) == 3
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())) == 3


def test_every_epoch_is_kept_when_asked_so_a_checkpoint_can_be_chosen_later(tmp_path, examples):
    """--keep-epochs: one checkpoint per epoch, each the weights of that epoch (the last equals last/, the one
    of the best validation loss equals best/, the others differ), and a resumed run keeps numbering on."""
    settings = TrainSettings(epochs=2, batch_size=2, learning_rate=3e-3, device="cpu", keep_epochs=True)
    train(fresh_model(), config(examples), examples, examples, tmp_path / "run", settings)
    result = train(fresh_model(), config(examples), examples, examples, tmp_path / "run",
                   TrainSettings(**{**settings.__dict__, "epochs": 4}))
    kept = sorted(path.name for path in (tmp_path / "run" / "epochs").iterdir())
    assert kept == ["001", "002", "003", "004"]
    weights = {name: load_checkpoint(tmp_path / "run" / "epochs" / name)[1] for name in kept}
    _, last = load_checkpoint(tmp_path / "run" / "last")
    _, best = load_checkpoint(tmp_path / "run" / "best")
    best_epoch = min(result["history"], key=lambda epoch: epoch["val"])["epoch"]
    assert same_weights(weights["004"], last) and same_weights(weights[f"{best_epoch:03d}"], best)
    assert not same_weights(weights["001"], weights["002"]) and not same_weights(weights["003"], weights["004"])
    assert load_checkpoint(tmp_path / "run" / "epochs" / "002")[0] == config(examples)
    train(fresh_model(), config(examples), examples, examples, tmp_path / "plain",
          TrainSettings(**{**settings.__dict__, "keep_epochs": False}))
    assert not (tmp_path / "plain" / "epochs").exists()


def test_training_uses_the_cores_it_is_pinned_to_not_all_the_machines(tmp_path, examples):
    # Two runs sharing a machine, each pinned to its own cores (taskset), must not each start a thread
    # per core of the machine. (On a one-core machine this cannot tell; CI's has two.)
    allowed = os.sched_getaffinity(0)
    threads = torch.get_num_threads()
    try:
        os.sched_setaffinity(0, {min(allowed)})
        train(fresh_model(), config(examples), examples, examples, tmp_path / "run",
              TrainSettings(epochs=1, batch_size=4, device="cpu"))
        assert torch.get_num_threads() == 1
    finally:
        os.sched_setaffinity(0, allowed)
        torch.set_num_threads(threads)
