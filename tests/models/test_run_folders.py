"""Trained run folders become listed models: read from config.json alone, loaded on first use."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lipwright.errors import ModelError
from lipwright.jobs.animation_job import OptionsError, parse_options
from lipwright.models import registry, run_folders
from tests.models.tiny_run import SPEAKERS, make_tiny_run

REPO = Path(__file__).resolve().parents[2]


SHIPPED = {run.name for run in run_folders.find_runs(run_folders.SHIPPED_MODELS_DIR)}


def user_runs(folders):
    """The runs registered from `folders`, leaving out those shipped in the package."""
    return [name for name in run_folders.register_runs(folders) if name not in SHIPPED]


def test_the_shipped_model_is_registered_with_its_speakers():
    assert "jambatalk-synthetic" in SHIPPED
    assert "jambatalk-synthetic" in run_folders.register_runs([])
    info = {model.name: model for model in registry.available_models()}["jambatalk-synthetic"]
    assert info.available, info.reason
    # The wide-voice corpus's settings and festival's foreign voices it was fine-tuned on last.
    from lipwright.synthetic.voices import FOREIGN_VOICES, WIDE_VOICES

    assert info.motion_space == "weights" and set(info.speakers) == {v.id for v in WIDE_VOICES + FOREIGN_VOICES}


@pytest.fixture(autouse=True)
def registry_as_it_was():
    """The registry is the process's own: each test's runs are forgotten after it."""
    before = set(registry.model_names())
    yield
    for name in set(registry.model_names()) - before:
        registry.unregister_model(name)
        run_folders._registered.pop(name, None)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    return make_tiny_run(tmp_path_factory.mktemp("made") / "tiny")


def copy_run(run: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        (folder / name).write_bytes((run / name).read_bytes())
    return folder


def test_a_run_folder_is_listed_with_its_motion_space_template_and_speakers(tiny_run, tmp_path):
    copy_run(tiny_run, tmp_path / "my-voice")
    assert user_runs([tmp_path]) == ["my-voice"]
    info = registry.model_info("my-voice")
    assert (info.motion_space, info.template, info.speakers) == ("weights", "default-head", SPEAKERS)
    assert info.available and info.batched and info.weights_needed
    assert "my-voice" in [model.name for model in registry.available_models()]


def test_a_training_runs_best_checkpoint_is_the_one_used(tiny_run, tmp_path):
    copy_run(tiny_run, tmp_path / "long-run" / "best")
    (tmp_path / "long-run" / "config.json").write_text("{not json")  # the last epoch's, say: not used
    run_folders.register_runs([tmp_path])
    assert registry.model_info("long-run").available
    assert run_folders.run_folder_of(tmp_path / "long-run") == tmp_path / "long-run" / "best"


def test_broken_runs_are_listed_unavailable_with_the_reason(tiny_run, tmp_path):
    copy_run(tiny_run, tmp_path / "garbled")
    (tmp_path / "garbled" / "config.json").write_text("{not json")
    copy_run(tiny_run, tmp_path / "from-the-future")
    config = json.loads((tiny_run / "config.json").read_text())
    (tmp_path / "from-the-future" / "config.json").write_text(json.dumps({**config, "model": "hyperface"}))
    (tmp_path / "half-copied").mkdir()
    (tmp_path / "half-copied" / "config.json").write_text(json.dumps(config))
    (tmp_path / "notes").mkdir()  # not a run at all: not listed
    assert user_runs([tmp_path]) == ["from-the-future", "garbled", "half-copied"]
    reasons = {info.name: info.reason for info in registry.available_models() if not info.available}
    assert "cannot be read" in reasons["garbled"]
    assert "hyperface" in reasons["from-the-future"] and "update Lipwright" in reasons["from-the-future"]
    assert "no model.safetensors" in reasons["half-copied"]
    assert "notes" not in registry.model_names()
    with pytest.raises(ModelError, match="cannot run here: .*cannot be read"):
        registry.get_model("garbled")


def test_a_run_never_replaces_the_phonemes_model(tiny_run, tmp_path):
    copy_run(tiny_run, tmp_path / registry.DEFAULT_MODEL)
    assert user_runs([tmp_path]) == []
    assert registry.model_info(registry.DEFAULT_MODEL).speakers == ()


def test_listing_reads_config_json_only(tiny_run, tmp_path):
    """Without importing torch (so without loading any weights): listing stays quick and works anywhere."""
    copy_run(tiny_run, tmp_path / "my-voice")
    script = ("import sys; from lipwright.models import registry, run_folders; run_folders.register_runs([sys.argv[1]]); "
              "info = registry.model_info('my-voice'); print(info.available, info.speakers); "
              "assert 'torch' not in sys.modules and 'safetensors' not in sys.modules, 'listing imported torch'")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO / "backend")), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True ('spk-a', 'spk-b')"


def test_the_model_loads_once_on_the_device_auto_decides(tiny_run, tmp_path):
    from lipwright.models.trained_run import TrainedRunModel

    copy_run(tiny_run, tmp_path / "my-voice")
    run_folders.register_runs([tmp_path])
    model = registry.get_model("my-voice", "auto")  # the server's default device
    assert isinstance(model, TrainedRunModel) and model.speakers == list(SPEAKERS)
    assert model.device in ("cpu", "cuda")
    assert registry.get_model("my-voice", "auto") is model
    run_folders.register_runs([tmp_path])  # found again (each listing looks): still the loaded one
    assert registry.get_model("my-voice", "auto") is model


def test_a_speaker_must_be_one_of_the_models(tiny_run, tmp_path):
    copy_run(tiny_run, tmp_path / "my-voice")
    run_folders.register_runs([tmp_path])
    assert parse_options({"model": "my-voice", "speaker": "spk-b"}).speaker == "spk-b"
    assert parse_options({"model": "my-voice", "speaker": ""}).speaker is None  # the average style
    with pytest.raises(OptionsError, match="speaker: the model 'my-voice' has no speaker 'nobody'; choose one of "
                                           "spk-a, spk-b, or leave it empty for the average style"):
        parse_options({"model": "my-voice", "speaker": "nobody"})
    with pytest.raises(OptionsError, match="the model 'phonemes' has no speakers to choose from"):
        parse_options({"model": "phonemes", "speaker": "spk-a"})


def test_the_default_models_folder_is_in_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(run_folders.MODELS_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert run_folders.default_models_dir() == tmp_path / "lipwright" / "models"
    monkeypatch.setenv(run_folders.MODELS_DIR_ENV, str(tmp_path / "mine"))
    assert run_folders.default_models_dir() == tmp_path / "mine"
    assert run_folders.chosen_models_dir(None) == tmp_path / "mine"
    with pytest.raises(ModelError, match="is not a folder"):
        run_folders.chosen_models_dir(tmp_path / "typo")


def test_the_shipped_folder_is_package_data():
    import tomllib

    assert (run_folders.SHIPPED_MODELS_DIR / "README.md").is_file()
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert {"shipped_models/**/*.json", "shipped_models/**/*.safetensors"} <= set(package_data["lipwright"])
