"""Mouth clicks laid in the pauses of the lip-sync benchmark's own clips (two espeak-ng development voices:
the phone search heard a click as t): without a transcript the mouth stays at rest through every
pause, and the lines still close their p/b/m; and none of the clean clips' speech is taken for a click."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import spoken_clips, with_clicks  # noqa: E402
from lipwright.audio.decode import load_audio  # noqa: E402
from lipwright.audio.pause_noises import pause_noises  # noqa: E402
from lipwright.demo.sentences import sentences  # noqa: E402
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest  # noqa: E402
from lipwright.models.base import AnimationRequest  # noqa: E402
from lipwright.models.phonemes import PhonemeModel  # noqa: E402

FPS = 30.0


def test_the_mouth_rests_through_mouth_clicks_in_pauses(tmp_path):
    voices = ["espeak:en-gb-x-gbclan+klatt", "espeak:en+klatt4"]
    clips = with_clicks(spoken_clips(voices, sentences(6, seed=2026), 3, [1.0, 0.8], tmp_path), "-20",
                        tmp_path / "clicks")
    model = PhonemeModel()
    moving, closed = [], []
    for clip in clips:
        animation = model.animate(AnimationRequest(clip=load_audio(str(clip.wav)), fps=FPS, recognition="fast"))
        opening, rest = opening_and_rest(animation.weights)
        frames = np.arange(len(rest)) / FPS
        for label, start, end in clip.truth:
            inside = (frames >= start + 0.15) & (frames <= end - 0.15)  # as the benchmark scores rest
            if label == "SIL" and end - start >= 0.3 and not rest[inside].all():
                moving.append(f"{clip.wav.name} {start:.2f}-{end:.2f} s")
        closed += lipsync_scores(clip.truth, opening, rest, FPS)["closed"]
    assert not moving, f"the mouth moved in pauses: {moving}"
    assert np.mean(closed) >= 0.85


def test_no_speech_in_the_benchmark_s_clean_clips_is_taken_for_a_click(tmp_path):
    """The benchmark's own clean clips of flite awb and festival's kdl (a p opening a line, the faint onset of an
    f after a pause, each once taken for a click by a detector without a level margin)."""
    for clip in spoken_clips(["awb", "ked"], sentences(12, seed=2026), 6, [1.0, 0.8], tmp_path):
        found = pause_noises(load_audio(str(clip.wav)))
        assert not found.clicks.any(), f"{clip.wav.name}: speech at {found.times[found.clicks][:3]} s taken for a click"
