"""A fine-tuned checkpoint blended back toward the checkpoint it started from, weight by weight (the
weight-space ensembles of WiSE-FT, Wortsman et al. 2022). A fine-tune that gains one skill and loses
another keeps part of both on the line between the two: the landmark model's fine-tune on foreign voices
closes more lips but samples nearly the same brows every time; halfway back it keeps both.

Run: python scripts/blend_checkpoints.py BASE TUNED OUT --amount 0.6 [--set contact_threshold=0.1]
(amount 0 gives BASE's weights, 1 TUNED's; OUT takes TUNED's config, with --set applied to its settings)"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from lipwright.errors import ModelError
from lipwright.models.parts.speaker_style import rows_by_speaker
from lipwright.training.checkpoint import RunConfig, load_checkpoint, save_checkpoint

STYLE_TABLE = "style.table.weight"  # a SpeakerStyle table: one row per training speaker, in the config's order


def blend(base: Path, tuned: Path, amount: float) -> tuple[RunConfig, dict[str, torch.Tensor]]:
    """TUNED's config and base + amount * (tuned - base) for every floating-point weight."""
    if not 0.0 <= amount <= 1.0:
        raise ModelError(f"the blend's amount must lie in [0, 1] (0: {base}, 1: {tuned}), not {amount}")
    base_config, base_state = load_checkpoint(base)
    config, state = load_checkpoint(tuned)
    if (base_config.model, base_config.motion_space) != (config.model, config.motion_space):
        raise ModelError(f"{tuned} ({config.model}, {config.motion_space}) was not fine-tuned from {base} "
                         f"({base_config.model}, {base_config.motion_space}): blend a run with its own start")
    blended = {}
    for name, weight in state.items():
        start = base_state.get(name)
        if start is not None and name.endswith(STYLE_TABLE):
            start = rows_by_speaker(start, list(base_config.speakers), list(config.speakers))
        if start is None or start.shape != weight.shape:
            raise ModelError(f"{tuned}'s weight {name} has no counterpart in {base}: blend a run with its own start")
        blended[name] = start + amount * (weight - start) if weight.is_floating_point() else weight
    return config, blended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="the checkpoint the fine-tune started from")
    parser.add_argument("tuned", type=Path, help="a checkpoint of the fine-tune")
    parser.add_argument("out", type=Path)
    parser.add_argument("--amount", type=float, required=True, help="how far toward TUNED: 0 to 1")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a network setting to write in OUT's config (JSON value), e.g. contact_threshold=0.1")
    args = parser.parse_args()
    config, state = blend(args.base, args.tuned, args.amount)
    changes = {}
    for pair in args.set:
        key, _, value = pair.partition("=")
        if key not in config.settings:
            raise SystemExit(f"{config.model} has no setting {key!r}")
        changes[key] = json.loads(value)
    save_checkpoint(args.out, state, replace(config, settings={**config.settings, **changes}))
    print(f"{args.out}: {args.amount:g} of the way from {args.base} to {args.tuned}")


if __name__ == "__main__":
    main()
