"""One version everywhere: the backend package, its pyproject and the add-on's manifest."""

import re
import tomllib
from pathlib import Path

import lipwright

ROOT = Path(__file__).resolve().parents[1]


def test_backend_pyproject_and_manifest_share_a_version():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    manifest = tomllib.loads((ROOT / "blender_addon" / "blender_manifest.toml").read_text())["version"]
    assert lipwright.__version__ == pyproject == manifest
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest)
