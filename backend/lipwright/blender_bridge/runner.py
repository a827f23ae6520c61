"""Runs a function of the add-on's `headless` module in a child Blender Python process.

The backend never imports bpy: Blender work happens in a child that is either a Python with the
PyPI `bpy` module or a `blender -b` binary, and it runs the add-on's own code, so a headless bake
and a bake from the panel are the same code.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import LipwrightError

# Executed inside the child: load the add-on folder as a package under a private name (the
# installed extension may itself be called `lipwright`, which would shadow the backend).
_CHILD_SCRIPT = """
import importlib, importlib.util, json, sys
addon_dir, module, function, kwargs = sys.argv[-4:]
spec = importlib.util.spec_from_file_location(
    "lipwright_addon", addon_dir + "/__init__.py", submodule_search_locations=[addon_dir])
package = importlib.util.module_from_spec(spec)
sys.modules["lipwright_addon"] = package
spec.loader.exec_module(package)
target = getattr(importlib.import_module("lipwright_addon." + module), function)
result = target(**json.loads(kwargs))
print("LIPWRIGHT RESULT " + json.dumps(result), flush=True)
"""


class BlenderUnavailable(LipwrightError):
    pass


def addon_dir() -> Path:
    """The add-on folder: beside the backend in the repo, or around it in the built extension."""
    package_root = Path(__file__).resolve().parents[2]  # backend/ in the repo, <addon>/backend in the zip
    for candidate in (package_root.parent / "blender_addon", package_root.parent):
        if (candidate / "blender_manifest.toml").is_file():
            return candidate
    raise BlenderUnavailable(f"cannot find the Blender add-on next to the backend at {package_root}")


def blender_command() -> list[str]:
    """How to start Blender's Python: $LIPWRIGHT_BLENDER (a Python with bpy, or a blender binary),
    else this Python when it has the bpy module, else `blender` on PATH."""
    configured = os.environ.get("LIPWRIGHT_BLENDER")
    candidates = [configured] if configured else []
    if not configured and importlib.util.find_spec("bpy") is not None:
        return [sys.executable, "-c", _CHILD_SCRIPT]
    candidates.append(shutil.which("blender"))
    for candidate in filter(None, candidates):
        if Path(candidate).name.startswith("blender"):
            return [candidate, "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", _CHILD_SCRIPT, "--"]
        return [candidate, "-c", _CHILD_SCRIPT]
    raise BlenderUnavailable(
        "no Blender found for this step: install the bpy module in this environment "
        "(pip install 'bpy==4.5.*'), put `blender` on PATH, or set LIPWRIGHT_BLENDER to either"
    )


def run_in_blender(module: str, function: str, timeout: float = 900.0, **kwargs) -> object:
    """Calls blender_addon.<module>.<function>(**kwargs) in a child Blender; returns its JSON result."""
    command = blender_command() + [str(addon_dir()), module, function, json.dumps(kwargs)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    for line in completed.stdout.splitlines():
        if line.startswith("LIPWRIGHT RESULT "):
            return json.loads(line[len("LIPWRIGHT RESULT "):])
    if completed.returncode < 0:  # killed (by the user, the OOM killer...): its last line says nothing useful
        raise LipwrightError(f"Blender was stopped (signal {-completed.returncode}) before {function} finished; "
                             "no file was replaced")
    # The add-on raises errors whose last line is meant for people; show that, not the whole log.
    last_line = (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
    exception_name, separator, message = last_line.partition(": ")
    if separator and " " not in exception_name:  # "module.SomeError: message" -> "message"
        last_line = message
    raise LipwrightError(last_line)
