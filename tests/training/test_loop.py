"""The shared training loop on a tiny model and a tiny synthetic corpus: the loss falls, a run
resumes exactly where it stopped, and training stops when validation stops improving."""

import json

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
    assert all(torch.equal(a[name], b[name]) for name in a)


def test_training_stops_when_validation_stops_improving(tmp_path, examples):
    # A learning rate of zero never improves on the first epoch's validation loss.
    settings = TrainSettings(epochs=20, batch_size=2, learning_rate=0.0, patience=2, device="cpu")
    result = train(fresh_model(), config(examples), examples, examples, tmp_path / "run", settings)
    assert len(result["history"]) == 3
    assert len(json.loads((tmp_path / "run" / "history.json").read_text())) == 3
