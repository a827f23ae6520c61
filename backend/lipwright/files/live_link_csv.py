"""ARKit weight curves as a CSV in Live Link Face's layout, which game-engine importers read.

Columns: Timecode, BlendShapeCount, the 52 ARKit units in Apple's order with capitalised names, then the
nine head and eye rotations the app records (written as 0: the models do not turn the head). One row per
frame, timecodes HH:MM:SS:FF.mmm at the nominal rate. `datasets.live_link_face.read_take` reads it back.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence

import numpy as np

from ..motion.arkit import ARKIT_NAMES
from .atomic import write_text_atomically

ROTATION_NAMES = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                  "RightEyeYaw", "RightEyePitch", "RightEyeRoll")


def live_link_csv_text(weights: np.ndarray, weight_names: Sequence[str], fps: float) -> str:
    """weights: (frames, units) named by `weight_names`; ARKit units it lacks are written as 0.

    Readers guess the capture rate from the largest frame number in the timecodes, so a take shorter than
    a second starts late in its second (the app's timecodes are wall-clock times anyway): its last frame
    is then numbered rate - 1."""
    weights = np.asarray(weights, dtype=np.float64)
    column_of = {str(name): index for index, name in enumerate(weight_names)}
    nominal = max(1, round(fps))
    first_frame = max(0, nominal - len(weights))
    shapes = [name[0].upper() + name[1:] for name in ARKIT_NAMES] + list(ROTATION_NAMES)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Timecode", "BlendShapeCount", *shapes])
    zeros = ["0"] * len(ROTATION_NAMES)
    for frame, row in enumerate(weights):
        values = [f"{row[column_of[name]]:.6f}" if name in column_of else "0" for name in ARKIT_NAMES]
        writer.writerow([_timecode(first_frame + frame * nominal / fps, nominal), len(shapes), *values, *zeros])
    return out.getvalue()


def write_live_link_csv(path: str | os.PathLike, weights: np.ndarray, weight_names: Sequence[str], fps: float) -> None:
    write_text_atomically(path, live_link_csv_text(weights, weight_names, fps))


def _timecode(frames: float, nominal: int) -> str:
    """frames counted at the nominal rate -> 'HH:MM:SS:FF.mmm' (the fraction in thousandths of a frame)."""
    whole = math.floor(frames + 1e-9)
    thousandths = round((frames - whole) * 1000)
    if thousandths == 1000:
        whole, thousandths = whole + 1, 0
    seconds, frame = divmod(whole, nominal)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{frame:02d}.{thousandths:03d}"
