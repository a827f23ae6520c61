"""build_addon.py's zip installs into real Blender as an extension and registers its operators and panel.

The install runs in a child Python with BLENDER_USER_RESOURCES pointing at a temporary folder, so the
user's own Blender configuration is never touched.
"""

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import bpy

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = Path("addons_core", "bl_pkg", "cli", "blender_ext.py")

CHILD = r"""
import json, sys
import bpy
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=sys.argv[1], repo="user_default", enable_on_install=True)
import addon_utils
module = "bl_ext.user_default.lipwright"
package = sys.modules[module]
report = {
    "enabled": module in bpy.context.preferences.addons,
    "operators": sorted(n for n in ("generate", "cancel", "add_head", "apply_result") if hasattr(bpy.ops.lipwright, n)),
    "panel": hasattr(bpy.types, "LIPWRIGHT_PT_main"),
    "scene_settings": hasattr(bpy.context.scene, "lipwright"),
    "addon_dir": str(package.__path__[0]),
    "bundled_backend": (__import__("pathlib").Path(package.__path__[0]) / "backend" / "lipwright" / "__init__.py").is_file(),
    "python": sys.modules[module + ".backend_process"].default_python(),
}
report["poll_generate"] = bpy.ops.lipwright.generate.poll()
addon_utils.disable(module)
report["unregistered"] = not hasattr(bpy.types, "LIPWRIGHT_PT_main")
print("REPORT " + json.dumps(report))
"""


def build_zip(out_dir: Path) -> Path:
    done = subprocess.run([sys.executable, str(REPO / "build_addon.py"), "--out", str(out_dir)],
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def test_zip_holds_the_addon_the_backend_source_the_prepared_head_and_the_wheels(tmp_path):
    archive = build_zip(tmp_path)
    assert archive.name == "lipwright-0.1.0-linux_x64.zip"
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        manifest = tomllib.loads(opened.read("blender_manifest.toml").decode())
        licence = opened.read("LICENSE").decode()
    for name in ("blender_manifest.toml", "__init__.py", "bake.py", "wire.py", "backend/lipwright/__init__.py",
                 "backend/lipwright/__main__.py", "backend/lipwright/wire.py",
                 "backend/lipwright/template/default_head.npz"):
        assert name in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    # Nothing of the machine that built it (the old build_defaults.json carried its absolute .venv path).
    assert "build_defaults.json" not in names
    assert manifest["license"] == ["SPDX:GPL-3.0-or-later"] and "GNU GENERAL PUBLIC LICENSE" in licence
    assert manifest["platforms"] == ["linux-x64"]
    wheels = {Path(w).name.split("-")[0].lower() for w in manifest["wheels"]}
    assert {"fastapi", "uvicorn", "pydantic", "pydantic_core", "soundfile", "soxr", "pocketsphinx",
            "num2words", "srt", "webvtt_py", "scipy", "nara_wpe", "click", "trimesh", "rtree", "fast_simplification"} <= wheels
    # Blender's own numpy; CLI/demo-only tools; the face detector (too large: Prepare guesses landmarks without it);
    # what nara-wpe declares and its WPE module never imports.
    assert not wheels & {"numpy", "torch", "matplotlib", "tqdm", "mediapipe", "bottleneck"}
    # What the first-run check and the Prepare Character panel look for.
    from blender_addon.backend_process import DEFAULT_MODEL_MODULES, PREPARE_CHARACTER_MODULES

    assert set(DEFAULT_MODEL_MODULES + PREPARE_CHARACTER_MODULES) - {"numpy"} <= wheels
    assert all(w.startswith("./wheels/") and w[2:] in names for w in manifest["wheels"])


def test_zip_passes_blenders_own_validator(tmp_path):
    archive = build_zip(tmp_path)
    validator = Path(bpy.utils.system_resource("SCRIPTS")) / VALIDATOR  # this bpy's own, 4.2, 4.5 or 5.0
    assert validator.is_file(), validator
    done = subprocess.run([sys.executable, str(validator), "validate", str(archive)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zip_installs_and_registers_in_blender(tmp_path):
    archive = build_zip(tmp_path / "dist")
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"))
    env.pop("LIPWRIGHT_BACKEND_PYTHON", None)
    done = subprocess.run([sys.executable, "-c", CHILD, str(archive)], capture_output=True, text=True, env=env,
                          timeout=300, cwd=tmp_path)
    lines = [l for l in done.stdout.splitlines() if l.startswith("REPORT ")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(lines[-1][len("REPORT "):])
    assert report["enabled"] and report["panel"] and report["scene_settings"]
    assert report["operators"] == ["add_head", "apply_result", "cancel", "generate"]
    assert report["addon_dir"].startswith(str(tmp_path / "user"))
    assert report["bundled_backend"]
    # Installed far from the checkout, the add-on runs the backend with Blender's own Python.
    assert report["python"] == sys.executable
    assert report["poll_generate"] is False  # no face chosen yet: the button explains itself
    assert report["unregistered"]
