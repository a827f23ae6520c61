"""Run the `lipwright` command as a user would, and export the default head once per test module."""

import subprocess
import sys
from pathlib import Path


def lipwright(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lipwright", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600)


def export_head(folder: Path, file_name: str) -> Path:
    """`lipwright template export` into folder/file_name (.npz, .obj or .blend); fails the test if it fails."""
    path = folder / file_name
    completed = lipwright("template", "export", str(path))
    assert completed.returncode == 0, completed.stderr
    return path
