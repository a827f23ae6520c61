"""A fine-tuned checkpoint blended back toward the checkpoint it started from, weight by weight (the
weight-space ensembles of WiSE-FT, Wortsman et al. 2022). A fine-tune that gains one skill and loses
another keeps part of both on the line between the two: the landmark model's fine-tune on foreign voices
closes more lips but samples nearly the same brows every time. Its parts can move by different amounts:
the audio encoder, decoder and contact head all the way (they hear and seal the lips), the landmark
denoiser, which draws the brows, halfway.

Run: python scripts/blend_checkpoints.py BASE TUNED OUT --amount 1 [--part diffusion=0.5] [--set contact_threshold=0.1]
(amount 0 gives BASE's weights, 1 TUNED's; --part: the amount for weights whose names start so; OUT takes TUNED's
config, with --set applied to its settings)"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from lipwright.cli.train_command import settings_from
from lipwright.errors import LipwrightError, ModelError
from lipwright.models.parts.speaker_style import rows_by_speaker
from lipwright.training.checkpoint import RunConfig, load_checkpoint, save_checkpoint

STYLE_TABLE = "style.table.weight"  # a SpeakerStyle table: one row per training speaker, in the config's order


def blend(base: Path, tuned: Path, amount: float, parts: dict[str, float] | None = None
          ) -> tuple[RunConfig, dict[str, torch.Tensor]]:
    """TUNED's config and base + a * (tuned - base) for every floating-point weight, where a is the amount of
    the first of `parts` (name prefix -> amount) the weight's name starts with, else `amount`."""
    parts = parts or {}
    for value in (amount, *parts.values()):
        if not 0.0 <= value <= 1.0:
            raise ModelError(f"the blend's amounts must lie in [0, 1] (0: {base}, 1: {tuned}), not {value}")
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
        if not weight.is_floating_point():
            blended[name] = weight
            continue
        share = next((value for prefix, value in parts.items() if name.startswith(prefix)), amount)
        blended[name] = torch.lerp(start, weight, share)  # exact at both ends: 1 gives TUNED's weight itself
    unused = [prefix for prefix in parts if not any(name.startswith(prefix) for name in state)]
    if unused:
        raise ModelError(f"no weight of {tuned} starts with {', '.join(unused)}: name a part of its network")
    return config, blended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="the checkpoint the fine-tune started from")
    parser.add_argument("tuned", type=Path, help="a checkpoint of the fine-tune")
    parser.add_argument("out", type=Path)
    parser.add_argument("--amount", type=float, required=True, help="how far toward TUNED: 0 to 1")
    parser.add_argument("--part", action="append", default=[], metavar="PREFIX=AMOUNT",
                        help="another amount for the weights whose names start with PREFIX, e.g. diffusion=0.5")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a network setting to write in OUT's config (as train's --set), e.g. contact_threshold=0.1")
    args = parser.parse_args()
    parts = {}
    for pair in args.part:
        prefix, _, value = pair.partition("=")
        try:
            parts[prefix] = float(value)
        except ValueError:
            parser.error(f"--part {pair!r}: give PREFIX=AMOUNT, e.g. diffusion=0.5")
    try:
        config, state = blend(args.base, args.tuned, args.amount, parts)
    except ModelError as error:
        parser.error(str(error))
    try:
        changes = settings_from(args.set)  # as `lipwright train --set` reads them
    except LipwrightError as error:
        parser.error(str(error))
    unknown = sorted(set(changes) - set(config.settings))
    if unknown:
        parser.error(f"--set: {config.model} has no setting {', '.join(map(repr, unknown))}")
    save_checkpoint(args.out, state, replace(config, settings={**config.settings, **changes}))
    shares = "".join(f", {prefix} {value:g}" for prefix, value in parts.items())
    print(f"{args.out}: {args.amount:g}{shares} of the way from {args.base} to {args.tuned}")


if __name__ == "__main__":
    main()
