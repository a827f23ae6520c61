"""A saved benchmark clip: a real flite sentence with 0.5 s of digital silence either side, as bench_lipsync saves."""

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import Clip, spoken_sentence  # noqa: E402

PAD = 8000  # samples of silence either side, at 16 kHz


@pytest.fixture
def padded_clip(tmp_path) -> tuple[Clip, np.ndarray]:
    """(the clip, its samples)."""
    samples, truth = spoken_sentence("Bring me the map by the old barn.", "awb", tmp_path / "a.wav", 1.0)
    silence = np.zeros(PAD, dtype=np.float32)
    dry = np.concatenate([silence, samples, silence])
    soundfile.write(str(tmp_path / "a.wav"), dry, 16000, subtype="PCM_16")
    return Clip("awb", "text", tmp_path / "a.wav", len(dry) / 16000, truth), dry
