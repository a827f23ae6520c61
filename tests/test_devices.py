"""The default model never pays for importing torch; explicit devices are checked."""

import subprocess
import sys

import pytest

from lipwright.devices import resolve_device
from lipwright.errors import LipwrightError
from tests.speech import speak


def test_animating_with_the_default_model_does_not_import_torch(tmp_path):
    wav = speak("Put the map on the table.", tmp_path / "line.wav")
    script = (
        "import sys\n"
        "from lipwright.animate import animate_file\n"
        f"animate_file({str(wav)!r})\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_cpu_is_answered_without_torch_and_unknown_devices_are_named():
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(LipwrightError, match="'tpu'"):
        resolve_device("tpu")


def test_auto_resolves_to_a_device_torch_has():
    assert resolve_device("auto") in ("cpu", "cuda")
