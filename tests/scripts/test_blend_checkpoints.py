"""Blending a fine-tune back toward its start: the ends are the two checkpoints, the middle is their
weight-wise mean, a part can move by its own amount, every blend lies between the two, speakers the fine-tune added start from the base's
average style, and a checkpoint of another network is refused."""

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from lipwright.errors import ModelError
from lipwright.training.checkpoint import load_checkpoint, save_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from blend_checkpoints import STYLE_TABLE, blend  # noqa: E402

from ..evaluation.tiny_run import untrained_run  # noqa: E402


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A base on speakers a and b, and its "fine-tune" on c, b and a (re-rowed styles, every weight moved)."""
    folder = tmp_path_factory.mktemp("blend")
    base = untrained_run(folder / "base", ["a", "b"]) / "best"
    config, state = load_checkpoint(base)
    tuned_config = replace(config, speakers=["c", "b", "a"])
    torch.manual_seed(1)
    tuned = {}
    for name, value in state.items():
        if name.endswith(STYLE_TABLE):
            value = torch.stack([value.mean(dim=0), value[1], value[0]])
        tuned[name] = value + torch.randn_like(value) if value.is_floating_point() else value
    save_checkpoint(folder / "tuned", tuned, tuned_config)
    return base, folder / "tuned"


def test_the_ends_are_the_two_checkpoints_and_the_middle_their_mean(runs):
    base, tuned = runs
    _, base_state = load_checkpoint(base)
    tuned_config, tuned_state = load_checkpoint(tuned)
    start_config, start = blend(base, tuned, 0.0)
    _, end = blend(base, tuned, 1.0)
    _, middle = blend(base, tuned, 0.5)
    assert start_config == tuned_config
    style = next(name for name in base_state if name.endswith(STYLE_TABLE))
    for name, value in tuned_state.items():
        assert torch.equal(end[name], value)
        torch.testing.assert_close(middle[name], (start[name] + value) / 2)
        if name != style:
            assert torch.equal(start[name], base_state[name])
    # Speakers by name: c is new (the base's average style), b and a keep their own rows.
    table = base_state[style]
    torch.testing.assert_close(start[style], torch.stack([table.mean(dim=0), table[1], table[0]]))
    assert not torch.equal(middle[style], start[style])


def test_an_amount_outside_the_line_or_another_network_is_refused(runs, tmp_path):
    base, tuned = runs
    with pytest.raises(ModelError, match="amount"):
        blend(base, tuned, 1.5)
    other = untrained_run(tmp_path / "other", ["a"], space="vertices", motion_dim=12) / "best"
    with pytest.raises(ModelError, match="own start"):
        blend(other, tuned, 0.5)


def test_a_part_moves_by_its_own_amount(runs):
    base, tuned = runs
    _, start = blend(base, tuned, 0.0)
    _, end = blend(base, tuned, 1.0)
    part = "motion_out."
    _, mixed = blend(base, tuned, 1.0, {part: 0.25})
    assert any(name.startswith(part) for name in mixed)
    for name, value in mixed.items():
        if name.startswith(part):
            torch.testing.assert_close(value, start[name] + 0.25 * (end[name] - start[name]))
        else:
            assert torch.equal(value, end[name])
    with pytest.raises(ModelError, match="no weight"):
        blend(base, tuned, 1.0, {"no_such_part.": 0.5})
    with pytest.raises(ModelError, match="amounts"):
        blend(base, tuned, 1.0, {part: -0.1})


def test_every_blend_lies_between_the_two_checkpoints_by_its_amounts(runs):
    # Over generated amounts and parts: each weight sits at its part's share of the way, never outside.
    base, tuned = runs
    _, start = blend(base, tuned, 0.0)
    _, end = blend(base, tuned, 1.0)
    prefixes = sorted({name.split(".", 1)[0] + "." for name in end if end[name].is_floating_point()})
    rng = np.random.default_rng(7)
    for _ in range(40):
        amount = float(rng.uniform())
        parts = {prefix: float(rng.uniform()) for prefix in prefixes if rng.random() < 0.4}
        _, mixed = blend(base, tuned, amount, parts)
        for name, value in mixed.items():
            if not value.is_floating_point():
                assert torch.equal(value, end[name])
                continue
            share = next((a for prefix, a in parts.items() if name.startswith(prefix)), amount)
            low, high = torch.minimum(start[name], end[name]), torch.maximum(start[name], end[name])
            assert bool(((value >= low - 1e-6) & (value <= high + 1e-6)).all())
            torch.testing.assert_close(value, start[name] + share * (end[name] - start[name]))
