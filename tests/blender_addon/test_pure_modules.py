"""The add-on's numpy-only modules import in a Python where Blender's bpy cannot be imported."""

import subprocess
import sys
from pathlib import Path

PURE = ("arkit_names", "line_controls", "key_mapping", "blink_timing", "live_link_csv", "key_preview", "prepare_wire",
        "character_keys", "subtitle_cues", "line_hash", "line_overlap")
REPO = Path(__file__).resolve().parents[2]


def test_the_pure_modules_need_no_blender():
    script = (
        "import sys; sys.modules['bpy'] = None\n"  # any `import bpy` now raises ImportError
        "from tests.blender_addon.conftest import pure_module\n"
        f"for name in {PURE!r}: pure_module(name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
