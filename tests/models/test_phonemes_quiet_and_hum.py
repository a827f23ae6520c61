"""The default model on two everyday recording faults: a line recorded far too quietly is raised before the
recognisers hear it (audio/level.py), and a ground loop's mains hum is subtracted before anything hears it
(audio/hum.py)."""

import numpy as np
import pytest
import soundfile

from lipwright.audio.clip import AudioClip
from lipwright.audio.hum import without_hum
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.models.base import AnimationRequest
from lipwright.models import phonemes
from lipwright.models.phonemes import PhonemeModel
from lipwright.synthetic.augment import mains_hum
from tests.speech import compose_line, flite_with_phone_timings

FPS = 30.0
SENTENCES = ["Bob bought a big map of the bay.", "Pam might pop up by the pub.", "My brother paid for both maps."]
# Generated lines (lipwright.demo.sentences), their sentences split at the full stops into phrases.
LINES = [["The kids hopped over a lamp in the park, Bob hopped over the hot pot at dawn, the tall man saw a lamp up",
          "My father taught a big box for my pal, the tall man taught some plums for my pal"],
         ["My mom opened some plums at dawn, Paul dropped the art on top, the kids caught the palm in march",
          "Maybe, Tom taught some plums again"],
         ["A small dog dropped the barn all day", "The cat hopped over the barn for my pal"]]


@pytest.fixture(scope="module")
def model():
    return PhonemeModel()


def _animated(model: PhonemeModel, samples: np.ndarray, rate: int, transcript: str | None = None) -> np.ndarray:
    request = AnimationRequest(clip=AudioClip(samples.astype(np.float32), rate), fps=FPS, recognition="fast",
                               transcript=transcript)
    return model.animate(request).weights


def _hum(length: int, rate: int, mains: float, level_db: float, seed: int) -> np.ndarray:
    return mains_hum(length, rate, mains, level_db, np.random.default_rng(seed))


def test_lips_close_on_bilabials_in_a_line_recorded_35_db_too_quietly(model, tmp_path):
    """Without a transcript (fast mode), 24-bit-clean audio 35 dB down: 42 of 44 p/b/m closed; heard at
    that level as it is, the phone search closed 17."""
    closed = []
    for voice in ("awb", "rms"):
        for text in SENTENCES:
            truth = flite_with_phone_timings(text, voice, tmp_path / "line.wav")
            spoken, rate = soundfile.read(str(tmp_path / "line.wav"), dtype="float64")
            pad = np.zeros(rate // 2)
            quiet = np.concatenate([pad, spoken, pad]) * 10 ** (-35 / 20)
            opening, rest = opening_and_rest(_animated(model, quiet, rate))
            closed += lipsync_scores([(label, start + 0.5, end + 0.5) for label, start, end in truth], opening, rest,
                                     FPS)["closed"]
    assert len(closed) == 44
    assert np.mean(closed) >= 0.85, f"{sum(closed):.0f} of {len(closed)} p/b/m closed"


def test_hum_45_db_under_full_scale_leaves_the_lips_as_they_were(model):
    """Mains hum (50 or 60 Hz and four harmonics) 45 dB under full scale, fast mode: the lips seal on 0.93 of
    the frames they seal on in the same line without hum (0.83 when the line is heard with its hum)."""
    kept = total = 0
    for voice, mains in (("en-gb-x-gbclan+klatt", 50.0), ("en-gb-x-gbcwmd+f4", 60.0)):
        for index, phrases in enumerate(LINES):
            parts = [0.5]
            for phrase in phrases:
                parts += [phrase, 0.5]
            line = compose_line(parts, engine="espeak-ng", voice=voice)
            clean = line.samples.astype(np.float64)
            hummed = clean + _hum(len(clean), line.sample_rate, mains, -45.0, index)
            sealed = opening_and_rest(_animated(model, clean, line.sample_rate))[0] < 0.05
            still = opening_and_rest(_animated(model, hummed, line.sample_rate))[0] < 0.05
            kept += int(np.sum(sealed & still))
            total += int(np.sum(sealed))
    assert total > 300
    assert kept / total >= 0.88, f"sealed on {kept} of the clean line's {total} sealed frames"


def test_every_step_hears_the_line_without_its_hum(model, monkeypatch):
    """The phones, the loudness that scales the jaw and the warnings all read the line with its hum taken out."""
    line = compose_line([0.5, "Bob kept the map by the big barn.", 0.8, "Pam sat up.", 0.5], engine="flite", voice="awb")
    hummed = (line.samples + _hum(len(line.samples), line.sample_rate, 60.0, -35.0, 0)).astype(np.float32)
    cleaned = without_hum(AudioClip(hummed, line.sample_rate)).samples
    assert not np.array_equal(cleaned, hummed)
    heard = []
    for name in ("phones_for_clip", "frame_loudness", "little_speech_warning", "room_tone_warning"):
        real = getattr(phonemes, name)
        monkeypatch.setattr(phonemes, name, lambda clip, *rest, real=real, **named: heard.append(clip.samples)
                            or real(clip, *rest, **named))
    _animated(model, hummed, line.sample_rate)
    assert len(heard) == 4 and all(np.array_equal(samples, cleaned) for samples in heard)
