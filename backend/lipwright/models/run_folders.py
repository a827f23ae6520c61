"""Trained runs on disk (the user's models folder and the runs shipped with Lipwright) as registered models.

Each subfolder of a models folder that holds a run (config.json + model.safetensors, or a `best/`
subfolder that does, as `lipwright train` leaves it) becomes a model named after the subfolder. Listing
reads config.json only: no torch, no weights; the weights load on a job's first use, in its worker.
A run that cannot be read is still listed, unavailable, with the reason.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError
from . import registry
from .networks import NETWORKS

log = logging.getLogger(__name__)

MODELS_DIR_ENV = "LIPWRIGHT_MODELS_DIR"
SHIPPED_MODELS_DIR = Path(__file__).resolve().parent.parent / "shipped_models"
# As training/checkpoint.py writes them (that module imports torch, which listing must not).
CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.safetensors"
BEST_FOLDER = "best"
MOTION_SPACES = ("weights", "vertices")
NEEDS_TORCH = "needs PyTorch: pip install torch transformers"

# The runs this module registered, by name (other models, e.g. phonemes, are never replaced).
_registered: dict[str, "RunFolder"] = {}


def default_models_dir() -> Path:
    """$LIPWRIGHT_MODELS_DIR, else $XDG_DATA_HOME/lipwright/models, else ~/.local/share/lipwright/models."""
    if os.environ.get(MODELS_DIR_ENV):
        return Path(os.environ[MODELS_DIR_ENV]).expanduser()
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]).expanduser() / "lipwright" / "models"
    return Path.home() / ".local" / "share" / "lipwright" / "models"


@dataclass(frozen=True)
class RunFolder:
    name: str
    folder: Path
    network: str = ""
    motion_space: str = "weights"
    template: str = "default-head"
    speakers: tuple[str, ...] = ()
    problem: str = ""  # why it cannot run, whatever is installed ("" when it can)
    phone_head: bool = False  # whether its network has a phone head (its `phones` setting)

    @property
    def files(self) -> tuple[Path, Path]:
        """The files that make the run: what travels to another machine and what its identity hashes."""
        return Path(self.folder) / CONFIG_FILE, Path(self.folder) / WEIGHTS_FILE


def run_folder_of(folder: Path) -> Path | None:
    """The folder holding the run's files: `folder/best` when there is one, else `folder` when it has a
    config.json; None when it is not a run at all."""
    if (folder / BEST_FOLDER / CONFIG_FILE).is_file():
        return folder / BEST_FOLDER
    if (folder / CONFIG_FILE).is_file():
        return folder
    return None


def read_run(name: str, folder: Path) -> RunFolder:
    """What config.json says of the run, or the run with its `problem` when it cannot be used."""
    def broken(problem: str) -> RunFolder:
        return RunFolder(name, folder, problem=problem)

    if not (folder / WEIGHTS_FILE).is_file():
        return broken(f"{folder} has no {WEIGHTS_FILE}: copy the whole run folder made by lipwright train")
    try:
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return broken(f"{folder / CONFIG_FILE} cannot be read ({error}); copy the run folder again")
    if not isinstance(config, dict):
        return broken(f"{folder / CONFIG_FILE} is not a run's config (not a JSON object)")
    network, space = config.get("model"), config.get("motion_space")
    speakers = config.get("speakers", [])
    if network not in NETWORKS:
        return broken(f"{folder / CONFIG_FILE} names the network {network!r}, which this Lipwright does not "
                      f"know ({', '.join(NETWORKS)}); update Lipwright")
    if space not in MOTION_SPACES:
        return broken(f"{folder / CONFIG_FILE} has the motion space {space!r}; expected one of {', '.join(MOTION_SPACES)}")
    if not isinstance(speakers, list) or not all(isinstance(speaker, str) for speaker in speakers):
        return broken(f"{folder / CONFIG_FILE} has no list of speaker names")
    settings = config.get("settings")
    phone_head = isinstance(settings, dict) and bool(settings.get("phones", False))
    return RunFolder(name, folder, network, space, str(config.get("template", "default-head")), tuple(speakers),
                     phone_head=phone_head)


def find_runs(models_dir: Path) -> list[RunFolder]:
    """The runs in the subfolders of `models_dir`, by name; [] when it does not exist."""
    try:
        children = sorted(path for path in Path(models_dir).iterdir() if path.is_dir())
    except OSError:
        return []
    runs = []
    for child in children:
        folder = run_folder_of(child)
        if folder is not None:
            runs.append(read_run(child.name, folder))
    return runs


def usable_run(name: str, models_dir: Path) -> RunFolder | None:
    """The run named `name` in `models_dir` that can be used; None when there is none (or it is broken)."""
    return next((run for run in find_runs(models_dir) if run.name == name and not run.problem), None)


def torch_missing() -> str:
    try:
        found = all(importlib.util.find_spec(name) is not None for name in ("torch", "transformers"))
    except (ImportError, ValueError):
        found = False
    return "" if found else NEEDS_TORCH


def _problem(problem: str) -> str:
    return problem


def _load_run(folder: str, name: str, device: str):
    from ..devices import resolve_device
    from .trained_run import TrainedRunModel

    return TrainedRunModel(folder, resolve_device(device), name)  # the server's "auto" is decided here


def register_run(run: RunFolder) -> bool:
    """Registers the run under its name; False (and a warning) when another kind of model has that name.
    The same run found again is left as it is, so a model already loaded stays loaded."""
    if run.name in registry.model_names() and run.name not in _registered:
        log.warning("the trained run %s is not listed: the model %r already has that name; rename its folder",
                    run.folder, run.name)
        return False
    if _registered.get(run.name) == run and run.name in registry.model_names():
        return True
    if run.problem:
        description, check = f"trained run in {run.folder} that cannot be used", functools.partial(_problem, run.problem)
    else:
        description = (f"{run.network} trained in {run.motion_space} space ({len(run.speakers)} speakers); "
                       "no transcript needed")
        check = torch_missing
    registry.register_model(
        run.name, functools.partial(_load_run, str(run.folder), run.name), description, weights_needed=True,
        check=check, motion_space=run.motion_space, template=run.template, speakers=run.speakers, batched=True,
    )
    _registered[run.name] = run
    return True


def register_runs(models_dirs: Sequence[str | Path] = ()) -> list[str]:
    """Registers the shipped runs, then those in each of `models_dirs` (a run there replaces a shipped one
    of the same name: the user's own come first). Returns the names registered. Run again (as each model
    worker process does at its start), it registers the same runs."""
    names = []
    for models_dir in (SHIPPED_MODELS_DIR, *models_dirs):
        for run in find_runs(Path(models_dir)):
            if register_run(run):
                names.append(run.name)
    return names


def chosen_models_dir(given: str | Path | None) -> Path:
    """A --models-dir as given, which must be a folder (a typo should not read as 'no runs'); without one,
    the default, which need not exist yet."""
    if given is None:
        return default_models_dir()
    path = Path(given).expanduser()
    if not path.is_dir():
        raise ModelError(f"--models-dir {path} is not a folder: give the folder that holds your trained runs "
                         "(each run a subfolder with config.json and model.safetensors)")
    return path
