"""A trained run given a phone head fitted alone on its frozen audio features (training/phone_probe.py).
Every other weight is copied unchanged, so the run animates exactly as before until its config's
`bilabial_seal` is set above 0; then its lips also seal where the head hears p, b or m.

Run: python scripts/fit_phone_head.py RUN CORPUS OUT [--epochs 8] [--piece-seconds 6]
(RUN: a checkpoint folder; CORPUS: a synthetic corpus, whose phones/ says what was spoken when; OUT gets
RUN's config with phones=true and its weights plus the head's)"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from lipwright.datasets.corpus import Corpus
from lipwright.errors import LipwrightError
from lipwright.models.networks import build_network
from lipwright.training.checkpoint import RunConfig, load_checkpoint, save_checkpoint
from lipwright.training.examples import corpus_examples
from lipwright.training.phone_probe import fit_phone_head
from lipwright.training.recipe import cut


def with_phone_head(run: Path, corpus: Path, epochs: int, piece_seconds: float = 6.0
                    ) -> tuple[RunConfig, dict, list[float]]:
    """(RUN's config with phones on, its weights with a fitted phone head, the head's loss per epoch)."""
    config, state = load_checkpoint(run)
    config = replace(config, settings={**config.settings, "phones": True})
    network = build_network(config)
    missing = network.load_state_dict(state, strict=False).missing_keys
    if any(not name.startswith("phone_net.") for name in missing):
        raise LipwrightError(f"{run} does not fit its own config: {', '.join(missing[:3])} missing")
    examples = corpus_examples(Corpus(corpus), "train", config.motion_space)
    pieces = [piece for example in examples for piece in cut(example, piece_seconds)]
    history = fit_phone_head(network, pieces, {name: i for i, name in enumerate(config.speakers)}, epochs)
    head = {name: tensor for name, tensor in network.state_dict().items() if name.startswith("phone_net.")}
    return config, {**state, **head}, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a trained run's checkpoint folder")
    parser.add_argument("corpus", type=Path, help="a synthetic corpus (lipwright data synth)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--piece-seconds", type=float, default=6.0)
    args = parser.parse_args()
    try:
        config, state, history = with_phone_head(args.run, args.corpus, args.epochs, args.piece_seconds)
    except LipwrightError as error:
        parser.error(str(error))
    save_checkpoint(args.out, state, config)
    print(f"{args.out}: {args.run} with a phone head; cross-entropy per epoch "
          + ", ".join(f"{loss:.3f}" for loss in history))


if __name__ == "__main__":
    main()
