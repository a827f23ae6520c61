"""Tiny configurations of each network, and what their tests share: pieces of the tiny corpus, a
run config as `lipwright train` writes it, and a short training through the shared loop."""

from dataclasses import replace

import torch

from lipwright.datasets.corpus import Corpus
from lipwright.encoders.build import log_mel_spec
from lipwright.models.networks import build_network
from lipwright.training.batches import Batch, collate
from lipwright.training.checkpoint import RunConfig
from lipwright.training.examples import Example, corpus_examples
from lipwright.training.loop import TrainSettings, evaluate_loss, train
from lipwright.training.recipe import cut

ENCODER = log_mel_spec(dim=16, layers=1, mels=40)
# Two layers: one Mamba, one attention with mixture-of-experts. The balance term (about 1) weighs
# little, or it would outweigh the tiny corpus's motion error.
JAMBATALK = {"hidden": 16, "layers": 2, "heads": 2, "kv_heads": 1, "feed_forward": 32, "experts": 2,
             "experts_per_frame": 1, "state": 4, "balance_weight": 0.001}
# Each variant: (model name, its settings).
VARIANTS = {
    "jambatalk": ("jambatalk", JAMBATALK),
    "jambatalk-autoregressive": ("jambatalk", {**JAMBATALK, "autoregressive": True}),
    "faceformer": ("faceformer", {"d_model": 16, "heads": 2, "feed_forward": 32}),
    "landmarks": ("landmarks", {"hidden": 16, "layers": 1, "heads": 2, "feed_forward": 32, "decoder_hidden": 16,
                                "lip_points": 4, "upper_points": 2, "train_steps": 50, "sampling_steps": 4}),
}


def pieces(corpus_folder, space: str = "weights", seconds: float = 2.0) -> list[Example]:
    """The corpus's training clips cut into short pieces, as `lipwright train` cuts them."""
    examples = corpus_examples(Corpus(corpus_folder), "train", space)
    return [piece for example in examples for piece in cut(example, seconds)]


def tiny_network(variant: str, examples: list[Example], space: str = "weights", **settings):
    """A freshly initialised (seeded) network and its config, the settings filled in as the recipe does;
    `variant` a key of VARIANTS, or a network's name and all its tiny settings given."""
    model, defaults = VARIANTS.get(variant, (variant, {}))
    config = RunConfig(model=model, motion_space=space, fps=examples[0].fps, template="default-head",
                       speakers=sorted({e.subject for e in examples}), encoder=ENCODER,
                       settings={**defaults, **settings}, motion_dim=examples[0].motion.shape[1])
    torch.manual_seed(0)
    network = build_network(config)
    network.config = config = replace(config, settings=network.settings_dict())
    return network, config


def first_batch(network, examples: list[Example], size: int = 3) -> Batch:
    return collate(examples[:size], {name: i for i, name in enumerate(network.config.speakers)})


def train_briefly(network, config, examples, out, epochs: int = 3) -> tuple[float, list[dict]]:
    """(the loss before training, the history) of a few epochs through the shared loop."""
    speakers = {name: i for i, name in enumerate(config.speakers)}
    before = evaluate_loss(network, examples, speakers, batch_size=4, device="cpu")
    settings = TrainSettings(epochs=epochs, batch_size=2, learning_rate=1e-2, device="cpu")
    return before, train(network, config, examples, examples, out, settings)["history"]


def losses_of_steps(network, batch: Batch, steps: int, learning_rate: float) -> list[float]:
    """The loss at each of `steps` Adam steps on one batch (the network's trainable parameters only)."""
    optimiser = torch.optim.Adam([p for p in network.parameters() if p.requires_grad], lr=learning_rate)
    losses = []
    for _ in range(steps):
        loss = network.loss(batch)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


def loss_term(network, batch: Batch, weight: str) -> float:
    """One weighted term inside the network's (validation) loss, unweighted: the loss less the same loss
    with setting `weight` (for example "contact_weight") at zero. Validation is deterministic: dropout
    off, diffusion noise seeded."""
    network.eval()
    settings = network.settings
    with torch.no_grad():
        full = network.loss(batch)
        network.settings = replace(settings, **{weight: 0.0})
        without = network.loss(batch)
    network.settings = settings
    return float(full - without) / getattr(settings, weight)
