"""`lipwright animate --models-dir DIR --model RUN --speaker NAME`: a trained run from the command line."""

import json

import numpy as np
import pytest

from lipwright.demo.speech import synthesize
from tests.cli.commands import lipwright
from tests.models.tiny_run import make_tiny_run


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    make_tiny_run(models / "tiny-run" / "best")  # as `lipwright train` leaves a run: its best checkpoint
    return models, synthesize("Put the pot back.", tmp_path_factory.mktemp("speech") / "line.wav")


def test_a_run_animates_a_line_in_a_speakers_style(setup, tmp_path):
    models, wav = setup
    out = tmp_path / "line.npz"
    done = lipwright("animate", str(wav), "-o", str(out), "--models-dir", str(models), "--model", "tiny-run",
                     "--speaker", "spk-b", "--fps", "24", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    with np.load(out, allow_pickle=False) as npz:
        meta = json.loads(str(npz["meta"]))
        assert npz["weights"].shape[1] == 52 and npz["offsets"].shape[0] == npz["weights"].shape[0]
    assert (meta["model"], meta["network"], meta["speaker"]) == ("tiny-run", "jambatalk", "spk-b")


@pytest.mark.parametrize("arguments, says", [
    (("--model", "tiny-run", "--speaker", "nobody"), "has no speaker 'nobody'; choose one of spk-a, spk-b"),
    (("--model", "no-such-run"), "unknown model 'no-such-run'; known models: phonemes, "),
    (("--model", "no-such-run"), ", tiny-run"),
])
def test_a_wrong_name_is_named_with_the_choices(setup, tmp_path, arguments, says):
    models, wav = setup
    done = lipwright("animate", str(wav), "-o", str(tmp_path / "x.npz"), "--models-dir", str(models), *arguments)
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "x.npz").exists()


def test_a_models_dir_that_is_not_a_folder_is_refused(setup, tmp_path):
    _, wav = setup
    done = lipwright("animate", str(wav), "-o", str(tmp_path / "x.npz"), "--models-dir", str(tmp_path / "typo"))
    assert done.returncode == 2 and "is not a folder" in done.stderr, done.stderr
