"""The synthetic voices a corpus may be spoken by, and the ones it never may: CMU's kal and slt
(in any engine) are kept out of all training and tuning so they can measure generalisation."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LipwrightError

HELD_OUT_SPEAKERS = ("kal", "slt")


@dataclass(frozen=True)
class Voice:
    engine: str  # "espeak-ng", "flite" or "festival"
    name: str  # the engine's voice name
    words_per_minute: int = 0  # 0: the engine's own rate
    pitch: int = 0  # espeak-ng's -p, 0-99; 0: its default
    speed: float = 1.0  # the speech played this many times faster: pitch, formants and tempo all scaled
    language: str = "english"  # otherwise a festival voice of synthetic/foreign_lines.py's LANGUAGES

    @property
    def id(self) -> str:
        """A name usable as a VOCASET-layout subject (no underscores: the layout splits names on them)."""
        parts = [self.engine, self.name.replace("+", "-").replace("_", "-")]
        parts += [f"r{self.words_per_minute}"] if self.words_per_minute else []
        parts += [f"p{self.pitch}"] if self.pitch else []
        parts += [f"x{round(self.speed * 100)}"] if self.speed != 1.0 else []
        return "-".join(parts)


def check_trainable(voice: Voice) -> Voice:
    if any(speaker in voice.name.lower() for speaker in HELD_OUT_SPEAKERS):
        raise LipwrightError(f"voice {voice.name!r} ({voice.engine}) is kept out for evaluation: never train or tune "
                             "on CMU kal or slt; use flite awb/rms, espeak-ng voices or festival ked")
    return voice


# espeak-ng accents and variants, flite's two trainable voices, festival's recorded-diphone voice.
_ESPEAK = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us+f3", "en-us+m3", "en-gb+f2")
DEFAULT_VOICES: tuple[Voice, ...] = tuple(check_trainable(voice) for voice in (
    *(Voice("espeak-ng", name, rate, pitch) for name in _ESPEAK for rate, pitch in ((150, 40), (190, 60))),
    # The recorded-speech voices (flite's clustergen, festival's diphones) at three rates each: they sound
    # most like people, so they get a larger share than espeak-ng's formant variants alone would give them.
    *(Voice(engine, name, rate) for engine, name in (("flite", "awb"), ("flite", "rms"), ("festival", "ked_diphone"))
      for rate in (0, 140, 200)),
))

# A wider corpus for the next training run: the 25 settings above, 45 more espeak-ng voices (accents
# x variants, Klatt synthesis among them) and the recorded-speech voices awb and ked with their vocal tract
# moved. Kept out, so that benchmarks/bench_lipsync.py's unseen-voice development set stays unseen:
# the accents en-us-nyc, en-gb-x-gbclan, en-gb-x-gbcwmd, the variants m1, f4, klatt, klatt4, and any moved rms.
_WIDE_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029")
_WIDE_VARIANTS = ("m2", "m4", "m6", "f1", "f5", "klatt2", "klatt3", "klatt5", "klatt6")
WIDE_VOICES: tuple[Voice, ...] = DEFAULT_VOICES + tuple(check_trainable(voice) for voice in (
    *(Voice("espeak-ng", f"{accent}+{variant}", *((140, 30), (170, 50), (200, 70))[i % 3])
      for i, (accent, variant) in enumerate((a, v) for a in _WIDE_ACCENTS for v in _WIDE_VARIANTS)),
    *(Voice(engine, name, 0, 0, speed) for engine, name in (("flite", "awb"), ("festival", "ked_diphone"))
      for speed in (0.8, 0.88, 1.12, 1.25)),
))

# Festival's recorded non-English voices: human timbres the English engines lack, each speaking its own
# language at three rates and with its vocal tract moved both ways. Added to a corpus beside an English set.
_FOREIGN = (("lp_diphone", "italian"), ("pc_diphone", "italian"), ("suo_fi_lj_diphone", "finnish"),
            ("hy_fi_mv_diphone", "finnish"), ("msu_ru_nsh_clunits", "russian"), ("czech_dita", "czech"),
            ("czech_ph", "czech"))


def _festival_settings(voices: tuple[tuple[str, str], ...]) -> tuple[Voice, ...]:
    """Each (festival voice, language) at its own rate, 140 and 200 words a minute, and played x0.88 and x1.12."""
    return tuple(check_trainable(Voice("festival", name, rate, 0, speed, language)) for name, language in voices
                 for rate, speed in ((0, 1.0), (140, 1.0), (200, 1.0), (0, 0.88), (0, 1.12)))


FOREIGN_VOICES = _festival_settings(_FOREIGN)
# More of them, found after the first foreign set trained the shipped JambaTalk (kept apart, so that its
# corpus can be made again): a Czech boy, a Czech man and a Catalan woman (a statistical voice, HTS).
_FOREIGN_MORE = (("czech_krb", "czech"), ("czech_machac", "czech"), ("upc_ca_ona_hts", "catalan"))
FOREIGN_MORE_VOICES = _festival_settings(_FOREIGN_MORE)
# One more man, found in session 29: NSK's recorded diphones, in Hindi, Marathi and Telugu (festvox-hi-nsk,
# -mr-nsk, -te-nsk), a timbre and an accent no other voice here has.
_FOREIGN_INDIC = (("hindi_NSK_diphone", "hindi"), ("marathi_NSK_diphone", "marathi"), ("telugu_NSK_diphone", "telugu"))
FOREIGN_INDIC_VOICES = _festival_settings(_FOREIGN_INDIC)
VOICE_SETS = {"default": DEFAULT_VOICES, "wide": WIDE_VOICES, "foreign": FOREIGN_VOICES, "foreign2": FOREIGN_MORE_VOICES,
              "foreign3": FOREIGN_INDIC_VOICES}


def speak(text: str, voice: Voice, wav: Path) -> Path:
    """Write `text` spoken by `voice` to `wav` (the engine's own sample rate)."""
    check_trainable(voice)
    if voice.language != "english":
        from .festival_speech import speak_with_phones

        speak_with_phones(text, voice, wav)
        return wav
    if voice.engine == "espeak-ng":
        command = ["espeak-ng", "-v", voice.name, "-w", str(wav)]
        command += ["-s", str(voice.words_per_minute)] if voice.words_per_minute else []
        command += ["-p", str(voice.pitch)] if voice.pitch else []
        command.append(text)
    elif voice.engine == "flite":
        command = ["flite", "-voice", voice.name, "-t", text, "-o", str(wav)]
        if voice.words_per_minute:  # flite speaks about 170 words per minute at stretch 1
            command[1:1] = ["--setf", f"duration_stretch={170.0 / voice.words_per_minute:.3f}"]
    elif voice.engine == "festival":
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as script:
            script.write(text)
        command = ["text2wave", "-eval", f"(voice_{voice.name})", "-o", str(wav), script.name]
        if voice.words_per_minute:  # festival's diphone voices speak about 170 words per minute at stretch 1
            command[3:3] = ["-eval", f"(Parameter.set 'Duration_Stretch {170.0 / voice.words_per_minute:.3f})"]
    else:
        raise LipwrightError(f"unknown speech engine {voice.engine!r}: use espeak-ng, flite or festival")
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    except FileNotFoundError as error:
        raise LipwrightError(f"{command[0]} is not installed: run `sudo apt-get install espeak-ng flite festival "
                             "festvox-kdlpc16k`") from error
    except subprocess.CalledProcessError as error:
        raise LipwrightError(f"{voice.engine} could not speak with voice {voice.name!r}: "
                             f"{error.stderr.decode(errors='replace').strip()[:200]}") from error
    finally:
        if voice.engine == "festival":
            Path(script.name).unlink(missing_ok=True)
    if voice.speed != 1.0:
        play_file_faster(wav, voice.speed)
    return wav


def played_faster(samples: np.ndarray, rate: int, speed: float) -> np.ndarray:
    """The samples read as if recorded at `speed` times their rate, brought back to `rate` (pitch, formants and
    tempo all scaled by `speed`)."""
    import soxr

    return soxr.resample(samples, rate * speed, rate).astype(np.float32)


def play_file_faster(wav: Path, speed: float) -> None:
    import soundfile

    samples, rate = soundfile.read(str(wav), dtype="float32")
    soundfile.write(str(wav), played_faster(samples, rate, speed), rate, subtype="PCM_16")
