"""Build dist/lipwright-<version>.zip: the Blender extension with the backend's source bundled (stdlib only).

The zip holds the add-on's files at its root and the backend package under backend/lipwright/, so a
machine with only the zip and a Python environment with the backend's dependencies can run it: the
add-on starts `python -m lipwright serve` with PYTHONPATH=<add-on folder>/backend.
Usage: python build_addon.py [--out DIR]
"""

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ADDON = ROOT / "blender_addon"
BACKEND = ROOT / "backend" / "lipwright"
BUILD_DEFAULTS = "build_defaults.json"  # read by backend_process.default_python
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo", ".zip", ".blend1"}


def manifest_version(manifest: Path = ADDON / "blender_manifest.toml") -> str:
    match = re.search(r'^version\s*=\s*"([^"]+)"', manifest.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise SystemExit(f"no version in {manifest}")
    return match.group(1)


def _files(folder: Path):
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not SKIPPED_PARTS.intersection(relative.parts) and path.suffix not in SKIPPED_SUFFIXES:
            yield path, relative


def build(out_dir: Path = ROOT / "dist") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"lipwright-{manifest_version()}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, relative in _files(ADDON):
            archive.write(path, relative.as_posix())
        for path, relative in _files(BACKEND):
            archive.write(path, ("backend/lipwright" / relative).as_posix())
        # The environment `make setup` built beside this checkout: the add-on's default backend Python.
        venv_python = ROOT / ".venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        if venv_python.is_file():
            archive.writestr(BUILD_DEFAULTS, json.dumps({"backend_python": str(venv_python)}))
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    target = build(parser.parse_args(argv).out)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
