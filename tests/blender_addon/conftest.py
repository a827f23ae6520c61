"""The add-on's numpy-only modules, loaded without Blender: their folder becomes a bare package whose
__init__ (which imports bpy) never runs, so importing bpy here would fail the test."""

import importlib
import sys
import types
from pathlib import Path

ADDON = Path(__file__).resolve().parents[2] / "blender_addon"
PACKAGE = "lipwright_addon_pure"


def pure_module(name: str):
    if PACKAGE not in sys.modules:
        package = types.ModuleType(PACKAGE)
        package.__path__ = [str(ADDON)]
        sys.modules[PACKAGE] = package
    sys.modules.setdefault("bpy", None)  # importing bpy from a pure module raises ImportError
    return importlib.import_module(f"{PACKAGE}.{name}")
