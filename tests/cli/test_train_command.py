"""`lipwright train` as a user runs it, on a tiny corpus and tiny networks: it writes best/ and last/
with a complete config, a second invocation resumes the run, and bad input is a one-line error."""

import json

import pytest

from lipwright.models.faceformer import FaceFormerSettings
from lipwright.models.jambatalk import JambaTalkSettings
from lipwright.models.landmark_guided import LandmarkGuidedSettings
from lipwright.training.checkpoint import load_checkpoint

from .commands import lipwright

TINY = {
    "jambatalk": ["--set", "hidden=16", "--set", "layers=2", "--set", "heads=2", "--set", "kv_heads=1",
                  "--set", "feed_forward=32", "--set", "experts=2", "--set", "experts_per_frame=1",
                  "--set", "state=4"],
    "faceformer": ["--set", "d_model=16", "--set", "heads=2", "--set", "feed_forward=32"],
    "landmarks": ["--set", "hidden=16", "--set", "layers=1", "--set", "heads=2", "--set", "feed_forward=32",
                  "--set", "decoder_hidden=16", "--set", "lip_points=4", "--set", "upper_points=2",
                  "--set", "train_steps=50", "--set", "sampling_steps=2"],
}


def train(model, data, out, epochs, *extra):
    return lipwright("train", "--model", model, "--data", str(data), "--out", str(out), *TINY[model],
                     "--encoder-set", "dim=16", "--encoder-set", "layers=1", "--encoder-set", "mels=40",
                     "--epochs", str(epochs), "--batch-size", "4", "--piece-seconds", "2", "--device", "cpu", *extra)


@pytest.mark.parametrize("model", ["jambatalk", "faceformer", "landmarks"])
def test_a_run_is_written_whole_and_a_second_invocation_resumes_it(model, tiny_corpus, tmp_path):
    run = tmp_path / "run"
    first = train(model, tiny_corpus, run, 1)
    assert first.returncode == 0, first.stderr
    assert "1 epochs" in first.stdout and str(run) in first.stdout
    for folder in ("best", "last"):
        config, state = load_checkpoint(run / folder)
        assert config.model == model and config.motion_space == "weights" and state
    config, _ = load_checkpoint(run / "last")
    settings_class = {"jambatalk": JambaTalkSettings, "faceformer": FaceFormerSettings,
                      "landmarks": LandmarkGuidedSettings}[model]
    # Complete: every field of the network's settings, defaults included, with the ones given on the line.
    assert set(config.settings) == set(settings_class.__dataclass_fields__)
    assert config.settings["heads"] == 2 and config.encoder["dim"] == 16
    history = json.loads((run / "history.json").read_text())

    second = train(model, tiny_corpus, run, 2)
    assert second.returncode == 0, second.stderr
    resumed = json.loads((run / "history.json").read_text())
    assert [epoch["epoch"] for epoch in resumed] == [1, 2] and resumed[0] == history[0]


def test_a_vertex_space_landmarks_run_reads_its_landmarks_off_the_corpus(tiny_corpus, tmp_path):
    run = tmp_path / "run"
    done = train("landmarks", tiny_corpus, run, 1, "--space", "vertices")
    assert done.returncode == 0, done.stderr
    config, _ = load_checkpoint(run / "best")
    lips = {int(n) for n in (tiny_corpus / "regions" / "lve.txt").read_text().replace(",", " ").split()}
    assert config.motion_space == "vertices" and len(config.settings["landmark_vertices"]) == 6
    assert set(config.settings["landmark_vertices"][:4]) <= lips
    again = train("landmarks", tiny_corpus, run, 2, "--space", "vertices")  # the same landmarks: it resumes
    assert again.returncode == 0, again.stderr


def test_a_missing_data_folder_is_a_clean_error(tmp_path):
    completed = train("jambatalk", tmp_path / "nowhere", tmp_path / "run", 1)
    assert completed.returncode == 2
    # The progress bar may have drawn its empty start; the last line is the error.
    assert completed.stderr.strip().splitlines()[-1].startswith("lipwright: error: no data folder at")
    assert "Traceback" not in completed.stderr and not (tmp_path / "run").exists()


def test_an_unknown_setting_is_a_clean_error_that_names_it(tiny_corpus, tmp_path):
    completed = lipwright("train", "--model", "faceformer", "--data", str(tiny_corpus), "--out", str(tmp_path / "run"),
                          "--set", "hidden=16", "--epochs", "1", "--device", "cpu")
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert "lipwright: error: unknown faceformer settings: hidden" in completed.stderr
