"""Lines of one trained network in one forward pass (batch/line_group.py): which lines group, and a group's
results equal each line run alone; a bad line in a group fails alone."""

from pathlib import Path

import numpy as np
import pytest

from lipwright import wire
from lipwright.batch.line import BatchLine
from lipwright.batch.line_group import line_groups, run_lines_together
from lipwright.batch.line_runner import run_line
from lipwright.models import registry
from lipwright.models.run_folders import register_runs
from tests.cli.commands import lipwright
from tests.cli.test_batch_cli import write_manifest
from tests.models.tiny_run import make_tiny_run
from tests.speech import speak

TEXTS = ["Bring the map back.", "Pack a bag, Pam.", "Maybe by the bay.", "Bob put it up."]


def tiny_run_lines(folder: Path, count: int) -> list[str]:
    """count short spoken lines in folder; their file names."""
    names = []
    for index in range(count):
        name = f"tiny{index}.wav"
        speak(TEXTS[index % len(TEXTS)], folder / name, engine="espeak-ng", voice=("en-us", "en-gb")[index % 2])
        names.append(name)
    return names


@pytest.fixture
def tiny_run(tmp_path):
    models = tmp_path / "models"
    make_tiny_run(models / "tiny-group-run" / "best")
    register_runs([models])
    yield "tiny-group-run"
    registry.unregister_model("tiny-group-run")


def _line(row: int, audio: Path, out: Path, model: str, **more) -> BatchLine:
    return BatchLine(row=row, audio=audio, outputs={"npz": out}, model=model, device="cpu", **more)


def test_only_lines_of_one_batched_model_group_and_no_group_outgrows_its_size(tiny_run, tmp_path):
    audio = tmp_path / "a.wav"
    lines = [_line(row, audio, tmp_path / f"{row}.npz", tiny_run if row % 3 else "phonemes") for row in range(1, 11)]
    lines.append(BatchLine(row=11, audio=audio, outputs={"blend": tmp_path / "x.blend"}, model=tiny_run))
    groups = line_groups(lines, group_size=3)
    assert sorted(line.row for group in groups for line in group) == list(range(1, 12))
    for group in groups:
        assert len(group) <= 3
        if len(group) > 1:
            assert {line.model for line in group} == {tiny_run}
    assert [len(group) for group in groups if group[0].model == "phonemes"] == [1, 1, 1]
    assert [group for group in groups if group[0].row == 11] == [[lines[-1]]]  # a .blend bake runs alone
    assert max(len(group) for group in groups) == 3


@pytest.mark.parametrize("seed", range(6))
def test_generated_line_lists_keep_the_grouping_invariants(tiny_run, tmp_path, seed):
    """Over random manifests: every line lands in exactly one group, in manifest order; no group outgrows its
    size; a group of several holds one batched model on one device and no .blend output."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 6))
    models = [tiny_run, "phonemes", "not-a-model"]
    lines = []
    for row in range(1, int(rng.integers(1, 40)) + 1):
        outputs = {"npz": tmp_path / f"{row}.npz"}
        if rng.random() < 0.2:
            outputs = {"blend": tmp_path / f"{row}.blend", "csv": tmp_path / f"{row}.csv"}
        lines.append(BatchLine(row=row, audio=tmp_path / "a.wav", outputs=outputs, model=str(rng.choice(models)),
                               device=str(rng.choice(["cpu", "cuda"]))))
    groups = line_groups(lines, group_size=size)
    placed = [line.row for group in groups for line in group]
    assert sorted(placed) == [line.row for line in lines]  # each exactly once
    for group in groups:
        assert 1 <= len(group) <= size
        assert [line.row for line in group] == sorted(line.row for line in group)
        if len(group) > 1:
            assert len({(line.model, line.device) for line in group}) == 1
            assert registry.model_info(group[0].model).batched
            assert not any("blend" in line.outputs for line in group)
    # Lines that could share a pass do so: no two groups of one model and device are both short of full.
    short = [(group[0].model, group[0].device) for group in groups
             if len(group) < size and group[0].model == tiny_run and "blend" not in group[0].outputs]
    assert len(short) == len(set(short))


def test_a_group_equals_its_lines_alone_and_a_bad_line_fails_alone(tiny_run, tmp_path):
    names = tiny_run_lines(tmp_path, 3)
    (tmp_path / "bad.wav").write_bytes(b"not audio at all")
    together = [_line(row, tmp_path / name, tmp_path / f"group{row}.npz", tiny_run) for row, name in enumerate(names, 1)]
    together.insert(1, _line(9, tmp_path / "bad.wav", tmp_path / "group-bad.npz", tiny_run))
    outcomes = run_lines_together(together)
    assert [outcome.row for outcome in outcomes] == [line.row for line in together]
    assert [outcome.status for outcome in outcomes] == ["done", "failed", "done", "done"]
    assert "bad.wav" in outcomes[1].message
    for row, name in enumerate(names, 1):
        alone = run_line(_line(row, tmp_path / name, tmp_path / f"alone{row}.npz", tiny_run))
        assert alone.status == "done", alone.message
        grouped = wire.decode_result((tmp_path / f"group{row}.npz").read_bytes())
        assert grouped["meta"]["batched_with"] == 3
        np.testing.assert_allclose(grouped["weights"],
                                   wire.decode_result((tmp_path / f"alone{row}.npz").read_bytes())["weights"], atol=1e-4)


def test_local_workers_send_a_trained_networks_lines_through_one_pass(tmp_path):
    models = tmp_path / "models"
    make_tiny_run(models / "tiny-local-run" / "best")
    names = tiny_run_lines(tmp_path, 3)
    rows = [{"audio": name, "output": f"out/{Path(name).stem}.npz", "model": "tiny-local-run"} for name in names]
    rows.append({"audio": names[0], "output": "out/phonemes.npz", "model": "phonemes"})
    done = lipwright("batch", str(write_manifest(tmp_path, rows)), "--models-dir", str(models), "--device", "cpu")
    assert done.returncode == 0, done.stdout + done.stderr
    for name in names:
        assert wire.decode_result((tmp_path / "out" / f"{Path(name).stem}.npz").read_bytes())["meta"]["batched_with"] == 3
    assert "batched_with" not in wire.decode_result((tmp_path / "out" / "phonemes.npz").read_bytes())["meta"]
