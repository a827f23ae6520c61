"""A real line for the add-on tests: espeak-ng speech animated by the real backend (the CLI, default model)."""

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BACKEND_PYTHON = os.environ.get("LIPWRIGHT_BACKEND_PYTHON", str(REPO / ".venv" / "bin" / "python"))
LINE = "Bob made a map of the moon, and we ate apples by the sea."
_CLI = "import sys; from lipwright.cli.main import main; sys.exit(main(sys.argv[1:]))"


def animate_line(folder: Path, text: str = LINE, fps: float = 24.0) -> tuple[Path, dict]:
    """(the WAV, the decoded result) of `text` spoken by espeak-ng and animated at `fps`."""
    from blender_addon import wire

    assert shutil.which("espeak-ng"), "espeak-ng is not installed (run `make setup`)"
    wav, out = folder / "line.wav", folder / "line.npz"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(REPO / "backend"))
    done = subprocess.run([BACKEND_PYTHON, "-c", _CLI, "animate", str(wav), "-o", str(out), "--transcript", text,
                           "--fps", str(fps)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return wav, wire.decode_result(out.read_bytes())
