"""A line's ARKit weights as a CSV in Live Link Face's layout, which game-engine importers read (stdlib + numpy).

Columns: Timecode, BlendShapeCount, the 52 ARKit units in Apple's order with capitalised names
(EyeBlinkLeft ... TongueOut), then the nine head and eye rotations the app adds (written as 0:
the model does not move the head). One row per frame; timecodes HH:MM:SS:FF.mmm, the frame's
fraction in thousandths (always .000 at whole-number rates).
"""

import io
import math
import os
import tempfile

import numpy as np

from .arkit_names import ARKIT_NAMES

ROTATION_COLUMNS = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                    "RightEyeYaw", "RightEyePitch", "RightEyeRoll")
BLENDSHAPE_COLUMNS = tuple(name[0].upper() + name[1:] for name in ARKIT_NAMES) + ROTATION_COLUMNS
HEADER = ("Timecode", "BlendShapeCount", *BLENDSHAPE_COLUMNS)


def timecode(seconds: float, fps: float) -> str:
    """'HH:MM:SS:FF.mmm' at the nominal rate (29.97 counts 30 frames a second, without drop frames)."""
    nominal = max(1, round(fps))
    total = seconds * nominal
    whole = math.floor(total + 1e-9)
    fraction = int(round((total - whole) * 1000))
    if fraction == 1000:
        whole, fraction = whole + 1, 0
    frame = whole % nominal
    second = whole // nominal
    return f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}:{frame:02d}.{fraction:03d}"


def csv_text(weights: np.ndarray, weight_names, fps: float, start_seconds: float = 0.0) -> str:
    """The CSV for weights (frames, units); units missing from weight_names are written as 0."""
    weights = np.asarray(weights, dtype=np.float64)
    column = {str(name): index for index, name in enumerate(weight_names)}
    table = np.zeros((weights.shape[0], len(BLENDSHAPE_COLUMNS)))
    for out_index, name in enumerate(ARKIT_NAMES):
        if name in column:
            table[:, out_index] = weights[:, column[name]]
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    count = len(BLENDSHAPE_COLUMNS)
    for frame, row in enumerate(table):
        values = ",".join(f"{value:.6g}" for value in row)
        out.write(f"{timecode(start_seconds + frame / fps, fps)},{count},{values}\n")
    return out.getvalue()


def write_atomically(path: str, text: str) -> None:
    """Write beside the target, then rename over it: a failed export never leaves half a file."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    handle, temporary = tempfile.mkstemp(prefix=".lipwright-", suffix=".csv", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
