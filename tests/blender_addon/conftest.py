"""The add-on's numpy-only modules, loaded without Blender: their folder becomes a bare package whose
__init__ (which imports bpy) never runs. test_pure_modules checks, in a Python where bpy cannot be
imported, that they need nothing of Blender."""

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
    return importlib.import_module(f"{PACKAGE}.{name}")
