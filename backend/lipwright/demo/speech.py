"""Makes spoken lines with the Debian speech synthesisers (espeak-ng, flite) for the demo and tests."""

import shutil
import subprocess
from pathlib import Path

from ..errors import LipwrightError

ENGINES = ("espeak-ng", "flite")


def synthesize(text: str, path: Path, engine: str = "espeak-ng", voice: str | None = None, rate: int | None = None) -> Path:
    """Writes `text` spoken to the WAV file `path`. voice: espeak-ng voice (en-us) or flite voice
    (kal, slt, rms, awb); rate: words per minute."""
    if engine not in ENGINES:
        raise LipwrightError(f"unknown speech engine '{engine}': use one of {', '.join(ENGINES)}")
    if shutil.which(engine) is None:
        raise LipwrightError(f"{engine} is not installed: run `sudo apt-get install espeak-ng flite`")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if engine == "espeak-ng":
        command = ["espeak-ng", "-v", voice or "en-us", "-w", str(path)]
        if rate:
            command += ["-s", str(rate)]
        command.append(text)
    else:
        command = ["flite", "-voice", voice or "awb", "-t", text, "-o", str(path)]
        if rate:  # flite speaks about 170 words per minute at stretch 1
            command[1:1] = ["--setf", f"duration_stretch={170.0 / float(rate):.3f}"]
    subprocess.run(command, check=True, capture_output=True)
    return path
