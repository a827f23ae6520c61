"""ARKit weight takes as Live Link Face writes them: a CSV (Timecode, BlendShapeCount, the 52
blend shapes with capitalised names, then head and eye rotations) and the take's audio beside it."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.clip import AudioClip
from ..audio.decode import load_audio
from ..errors import LipwrightError
from ..motion.arkit import ARKIT_NAMES

AUDIO_SUFFIXES = (".wav", ".mov", ".mp4", ".m4a")
# Live Link Face records at one of these; the timecode's frame field tells which.
_CAPTURE_RATES = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0)


@dataclass(frozen=True)
class Take:
    weights: np.ndarray  # (frames, 52) in ARKIT_NAMES order, at `fps`
    fps: float
    audio_file: Path | None

    def audio(self, sample_rate: int = 16000) -> AudioClip:
        if self.audio_file is None:
            raise LipwrightError("this take has no audio beside its CSV: put the take's .wav or .mov next to it "
                                 "with the same name")
        return load_audio(self.audio_file, target_rate=sample_rate)


def read_take(csv_path: str | Path, fps: float = 30.0) -> Take:
    """Read `csv_path` and resample its weights to `fps` by linear interpolation over the timecodes."""
    csv_path = Path(csv_path)
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise LipwrightError(f"{csv_path} is empty; expected a Live Link Face CSV")
    header = [name.strip() for name in rows[0]]
    columns = {name[:1].lower() + name[1:]: i for i, name in enumerate(header)}
    missing = [name for name in ("timecode", *ARKIT_NAMES) if name not in columns]
    if missing:
        raise LipwrightError(f"{csv_path} lacks the column(s) {', '.join(missing[:5])}: it is not a Live Link Face "
                             "CSV (Timecode, BlendShapeCount and the 52 ARKit blend shapes)")
    body = [row for row in rows[1:] if row]
    if len(body) < 2:
        raise LipwrightError(f"{csv_path} has fewer than two frames")
    try:
        stamps = [_parse_timecode(row[columns["timecode"]]) for row in body]
        capture_fps = _capture_rate(max(frame for _, frame in stamps))
        times = np.array([seconds + frame / capture_fps for seconds, frame in stamps])
        captured = np.array([[float(row[columns[name]]) for name in ARKIT_NAMES] for row in body], dtype=np.float32)
    except (ValueError, IndexError) as error:
        raise LipwrightError(f"{csv_path} has a row that cannot be read ({error})") from error
    if np.any(np.diff(times) <= 0):
        raise LipwrightError(f"{csv_path}: the timecodes do not increase; was the CSV edited or merged?")
    times -= times[0]
    # Differences of timecodes are not exact in floating point: 0.49999… s must still hold frame 15 at 30 fps.
    frame_times = np.arange(int(np.floor(times[-1] * fps + 1e-6)) + 1) / fps
    weights = np.stack([np.interp(frame_times, times, captured[:, unit]) for unit in range(len(ARKIT_NAMES))], 1)
    return Take(np.clip(weights, 0.0, 1.0).astype(np.float32), fps, _audio_beside(csv_path))


def _parse_timecode(text: str) -> tuple[float, float]:
    """'14:53:22:19.437' -> (seconds of the day, frame number with its sub-frame fraction)."""
    hours, minutes, seconds, frame = text.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds), float(frame)


def _capture_rate(largest_frame: float) -> float:
    return next((rate for rate in _CAPTURE_RATES if largest_frame < rate), _CAPTURE_RATES[-1])


def _audio_beside(csv_path: Path) -> Path | None:
    return next((csv_path.with_suffix(suffix) for suffix in AUDIO_SUFFIXES if csv_path.with_suffix(suffix).exists()),
                None)
