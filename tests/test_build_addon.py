"""build_addon.py bundles the shipped trained runs' weights and configs, and nothing else of theirs."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load_build_addon():
    spec = importlib.util.spec_from_file_location("build_addon", ROOT / "build_addon.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_runs_go_into_the_zip_without_their_training_leftovers(tmp_path):
    build_addon = _load_build_addon()
    backend = tmp_path / "lipwright"
    for name in ("shipped_models/README.md", "shipped_models/run/best/config.json",
                 "shipped_models/run/best/model.safetensors", "shipped_models/run/optimizer.pt",
                 "shipped_models/run/log.csv", "models/run_folders.py", "template/cached.npz"):
        (backend / name).parent.mkdir(parents=True, exist_ok=True)
        (backend / name).write_text("x")
    bundled = {relative.as_posix() for _, relative in build_addon._files(backend)}
    assert bundled == {"shipped_models/README.md", "shipped_models/run/best/config.json",
                       "shipped_models/run/best/model.safetensors", "models/run_folders.py"}
