"""`lipwright eval` on a tiny corpus: a trained run's figures and pictures, the baseline's, and the
mistakes a user makes on the command line."""

import json

import numpy as np
import pytest
from matplotlib.image import imread

from lipwright.cli.main import main
from lipwright.datasets.corpus import Corpus
from tests.evaluation.tiny_run import tiny_corpus, tiny_run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def run(corpus, tmp_path_factory):
    return tiny_run(corpus, tmp_path_factory.mktemp("runs") / "tiny")


def assert_readable_png(path):
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = imread(str(path))
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert np.ptp(image[..., :3]) > 0.5  # something is drawn on it, not a blank page


def test_a_run_is_measured_and_drawn(corpus, run, tmp_path):
    report_file, plots = tmp_path / "report.json", tmp_path / "plots"
    assert main(["eval", "--run", str(run), "--data", str(corpus), "--split", "train", "-o", str(report_file),
                 "--plots", str(plots)]) == 0
    report = json.loads(report_file.read_text())
    assert report["model"] == "tiny" and report["network"] == "jambatalk" and report["space"] == "weights"
    assert report["sequences"] == len(Corpus(corpus).split("train"))
    assert all(np.isfinite(report[key]) for key in ("lve", "lve_squared", "fdd", "mean_vertex_error"))
    assert min(report["lve"], report["lve_squared"], report["mean_vertex_error"]) > 0  # two epochs: not the truth
    assert set(report["lipsync"]) >= {"closed", "opened", "rest", "lag", "correlation"}
    assert report["lipsync_counts"]["closed"] > 0 and len(report["per_unit_error"]) == 52
    assert sorted(report["plots"]) == [str(plots / "lip_opening.png"), str(plots / "training_curves.png")]
    for name in ("lip_opening.png", "training_curves.png"):
        assert_readable_png(plots / name)


def test_a_checkpoint_folder_is_a_run_too(corpus, run, tmp_path, capsys):
    assert main(["eval", "--run", str(run / "last"), "--data", str(corpus), "--split", "train",
                 "--plots", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "tiny/last" and report["checkpoint"] == str(run / "last")
    assert_readable_png(tmp_path / "training_curves.png")  # the history of the run the checkpoint is in


def test_the_baseline_draws_its_lip_opening(corpus, tmp_path):
    report_file = tmp_path / "report.json"
    assert main(["eval", "--baseline", "phonemes", "--data", str(corpus), "--split", "train", "-o", str(report_file),
                 "--plots", str(tmp_path / "plots")]) == 0
    assert json.loads(report_file.read_text())["model"] == "phonemes (no transcript, fast)"
    assert sorted(path.name for path in (tmp_path / "plots").iterdir()) == ["lip_opening.png"]
    assert_readable_png(tmp_path / "plots" / "lip_opening.png")


def test_exactly_one_model(corpus, run):
    with pytest.raises(SystemExit):
        main(["eval", "--run", str(run), "--baseline", "phonemes", "--data", str(corpus)])
    with pytest.raises(SystemExit):
        main(["eval", "--data", str(corpus)])


@pytest.mark.parametrize("extra, problem", [
    (["--transcript"], "--transcript is for --baseline"),
    (["--speaker", "nobody"], "no speaker 'nobody'"),
    (["--split", "test"], "no clips in its test split"),
])
def test_mistakes_are_named(corpus, run, capsys, extra, problem):
    assert main(["eval", "--run", str(run), "--data", str(corpus), *extra]
                + ([] if "--split" in extra else ["--split", "train"])) == 2
    assert problem in capsys.readouterr().err


def test_a_folder_that_is_no_run(corpus, tmp_path, capsys):
    assert main(["eval", "--run", str(tmp_path), "--data", str(corpus), "--split", "train"]) == 2
    assert "is not a trained run" in capsys.readouterr().err
