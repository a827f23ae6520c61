"""A phone next to a pause ends where its sound does, whether aligned to a transcript or recognised."""

import subprocess

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import AudioClip
from lipwright.phones import phones_for_clip

# festival's ked voice (a tuning voice, never kal) ends lines on a nasal that the aligner ran on
# 0.3-0.5 s into the silence after it.
LINES = [("Maybe, Tom taught some plums again?", 0.8), ("Maybe, Tom taught some plums again?", 1.0),
         ("Then we ran in the rain.", 1.0)]
RUN_ON_LIMIT = 0.2  # seconds past the last sample within 40 dB of the peak


def festival_line(text: str, stretch: float, folder) -> tuple[AudioClip, float]:
    """`text` spoken by festival's ked with 0.5 s of silence either side, and when its sound ends."""
    wav = folder / "line.wav"
    script = (f"(begin (voice_ked_diphone)(Parameter.set 'Duration_Stretch {stretch})"
              f'(set! u (utt.synth (Utterance Text "{text}")))(utt.save.wave u "{wav}" \'riff))')
    subprocess.run(["festival", "-b", script], check=True, capture_output=True)
    samples, rate = soundfile.read(wav, dtype="float32")
    silence = np.zeros(rate // 2, dtype=np.float32)
    samples = np.concatenate([silence, samples, silence])
    loud = np.flatnonzero(np.abs(samples) > 0.01 * np.abs(samples).max())
    return AudioClip(samples, rate), loud[-1] / rate


@pytest.mark.parametrize("text, stretch", LINES)
@pytest.mark.parametrize("mode", ["transcript", "fast"])
def test_the_last_phone_stops_with_the_sound(text, stretch, mode, tmp_path):
    clip, sound_end = festival_line(text, stretch, tmp_path)
    track = phones_for_clip(clip, text if mode == "transcript" else None)
    last = [phone for phone in track.phones if phone.label != "SIL"][-1]
    assert last.end <= sound_end + RUN_ON_LIMIT, (last, sound_end)
    assert track.phones[-1].label == "SIL" and track.phones[-1].end == pytest.approx(clip.seconds)
