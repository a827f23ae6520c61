"""Lip-sync accuracy and speed of the `phonemes` model against the synthesiser's own phone timings,
with the same figures for each trained run given with --run (no transcript: they hear the audio
only) and for Rhubarb Lip Sync when a `rhubarb` binary is on the PATH.

Lines are generated (lipwright.demo.sentences) and spoken by flite, which prints the truth: every
phone's end time (`-psdur`), or by festival (voice `ked`, from Debian's festvox-kdlpc16k), which saves
its segments. Voices awb, rms and ked were used while tuning; kal and slt never were and are reported
apart as held-out: they are for evaluation only, never for tuning rules or training networks. A
voice named `VOICE:8k` is VOICE through an 8 kHz channel (kal speaks at 8 kHz: the tuning voices
need the same band limit).

Unseen-voice development set (`--voices dev`): voices none of the corpus's 25 training settings use,
for measuring and choosing on before kal/slt are ever heard. `espeak:NAME` is an espeak-ng voice (truth:
the transcript aligned by lipwright.phones.align, the corpus teacher's way; a clip it cannot align is
left out and counted; `espeak:NAME/pNN` at espeak-ng's pitch NN); `VOICE@F` is VOICE played F times faster (pitch, formants and tempo all
scaled by F, truth timings divided by F: a shorter or longer vocal tract than the voice the
corpus knows). Debian's main archive holds no other English festival or flite voice (rab and don are
non-free; kal16 and slt are held out). Measures, per mode: those of
lipwright.metrics.lipsync (p/b/m closed, open vowels opened, closures off p/b/m, rest in pauses,
where rest is every lower-face weight under 0.01 for Lipwright and shape X for Rhubarb, lag), and wall time per clip: Lipwright warm, in process; Rhubarb as a command (it loads its models each run).

Run: .venv/bin/python benchmarks/bench_lipsync.py [--lines 6] [--voices awb rms ked awb:8k kal slt] [--run RUN ...]
     [--save-clips DIR] (keep the clips and truth) or [--clips DIR] (score saved clips: no speech engine needed)
     .venv/bin/python benchmarks/bench_lipsync.py --voices dev --lines 3 --run backend/lipwright/shipped_models/...
     [--room-tone pink:-45] (the same clips with a home recording's steady noise under them, pauses included)
     [--room 0.3:10] (the same clips spoken in a room: reverberation time 0.3 s, the voice 10 dB over its tail)
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
import soxr

from lipwright.audio.clip import AudioClip
from lipwright.demo.sentences import sentences
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from lipwright.synthetic.augment import NOISE_COLOURS, coloured_noise
from lipwright.synthetic.augment import in_room as synthetic_room
from lipwright.synthetic.augment import inhalation, mains_hum, mouth_click
from lipwright.synthetic.voices import played_faster

SpeechModel = Any  # PhonemeModel or TrainedRunModel: anything with animate(AnimationRequest)

FPS = 30.0
HELD_OUT = ("kal", "slt")
# Never in the corpus (synthetic/voices.py): other espeak-ng accents and variants (klatt is another
# synthesiser), and the corpus's recorded-speech voices with their vocal tract and pitch moved.
# A model trained on synthetic/voices.py's WIDE_VOICES has heard awb and ked moved: for it, only the
# espeak-ng and rms entries stay unseen.
DEV_VOICES = ("espeak:en-us-nyc+m1", "espeak:en-gb-x-gbclan+klatt", "espeak:en-gb-x-gbcwmd+f4",
              "espeak:en+klatt4", "awb@0.85", "rms@1.15", "ked@1.2", "rms@0.9:8k")
# flite's US phone set is CMU's in lower case, plus these.
FLITE_PHONES = {"pau": "SIL", "ax": "AH", "axr": "ER"}
FESTIVAL_VOICES = ("ked",)
PAUSE_BETWEEN = 0.5  # silence added before, between and after the sentences of a clip
# Rhubarb's mouth shapes as openings: A closed (p/b/m), B teeth together, C open, D wide open,
# E rounded, F puckered, G f/v, H l, X rest.
RHUBARB_OPENING = {"A": 0.0, "B": 0.2, "C": 0.6, "D": 1.0, "E": 0.5, "F": 0.3, "G": 0.15, "H": 0.5, "X": 0.0}


@dataclass
class Clip:
    voice: str
    text: str
    wav: Path
    seconds: float
    truth: list[tuple[str, float, float]]


@dataclass
class Output:
    opening: np.ndarray  # per frame, 0 = lips sealed
    rest: np.ndarray  # per frame, True = the mouth is at rest
    seconds: float  # wall time


class Unalignable(Exception):
    """The aligner could not place the transcript on an espeak-ng clip: no truth, so no clip."""


def speak_with_truth(texts: list[str], voice: str, wav: Path, rate: float) -> Clip:
    """`texts` spoken one after another with PAUSE_BETWEEN seconds of silence around and between them."""
    pieces, truth, cursor = [], [], 0.0
    for text in texts:
        silence = np.zeros(int(PAUSE_BETWEEN * 16000), dtype=np.float32)
        pieces.append(silence)
        truth.append(("SIL", cursor, cursor + PAUSE_BETWEEN))
        cursor += PAUSE_BETWEEN
        samples, phones = spoken_sentence(text, voice, wav, rate)
        truth += [(label, cursor + start, cursor + end) for label, start, end in phones]
        pieces.append(samples)
        cursor += len(samples) / 16000
    pieces.append(np.zeros(int(PAUSE_BETWEEN * 16000), dtype=np.float32))
    truth.append(("SIL", cursor, cursor + PAUSE_BETWEEN))
    samples = np.concatenate(pieces)
    soundfile.write(str(wav), samples, 16000, subtype="PCM_16")
    # Neighbouring pauses (flite's own and the added silence) are one pause.
    merged: list[tuple[str, float, float]] = []
    for label, start, end in truth:
        if merged and label == "SIL" and merged[-1][0] == "SIL":
            merged[-1] = ("SIL", merged[-1][1], end)
        else:
            merged.append((label, start, end))
    return Clip(voice, " ".join(texts), wav, len(samples) / 16000, merged)


def spoken_sentence(text: str, voice: str, wav: Path, rate: float) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """One sentence at 16 kHz and its phones (label, start s, end s). voice: NAME[@SPEED][:8k]."""
    spec, channel = (voice[:-3], "8k") if voice.endswith(":8k") else (voice, "")
    name, _, speed_text = spec.partition("@")
    speed = float(speed_text or 1.0)
    if name.startswith("espeak:"):
        words_per_minute = round(170 / rate)
        espeak_voice, _, pitch = name[len("espeak:"):].partition("/p")  # NAME/pNN: espeak-ng's pitch NN
        subprocess.run(["espeak-ng", "-v", espeak_voice, "-s", str(words_per_minute), "-w", str(wav), text]
                       + (["-p", pitch] if pitch else []), check=True, capture_output=True)
        phones = None
    else:
        ends = (festival_phone_ends if name in FESTIVAL_VOICES else flite_phone_ends)(text, name, wav, rate)
        phones, start = [], 0.0
        for label, end in ends:
            phones.append((FLITE_PHONES.get(label, label.upper()), start, end))
            start = end
    samples, sample_rate = soundfile.read(str(wav), dtype="float32")
    if speed != 1.0:  # the same samples played `speed` times faster
        samples = played_faster(samples, sample_rate, speed)
        phones = [(label, start / speed, end / speed) for label, start, end in phones or []] or None
    if channel == "8k":
        samples, sample_rate = soxr.resample(samples, sample_rate, 8000), 8000
    if sample_rate != 16000:  # kal speaks at 8 kHz
        samples = soxr.resample(samples, sample_rate, 16000).astype(np.float32)
    if phones is None:
        phones = aligned_truth(samples, text)
    return samples, phones


def aligned_truth(samples: np.ndarray, text: str) -> list[tuple[str, float, float]]:
    """The transcript aligned to clean 16 kHz speech: the corpus teacher's truth, for engines that print none."""
    from lipwright.phones.align import AlignmentFailed, align_phones

    pad = np.zeros(8000, dtype=np.float32)  # the aligner wants silence around the words
    try:
        phones = align_phones(AudioClip(np.concatenate([pad, samples, pad]), 16000), text)
    except AlignmentFailed as error:
        raise Unalignable(str(error)) from error
    return [(p.label, max(p.start - 0.5, 0.0), min(p.end - 0.5, len(samples) / 16000)) for p in phones
            if p.end > 0.5 and p.start < 0.5 + len(samples) / 16000]


def flite_phone_ends(text: str, voice: str, wav: Path, rate: float) -> list[tuple[str, float]]:
    command = ["flite", "--setf", f"duration_stretch={rate}", "-voice", voice, "-psdur", "-t", text, "-o", str(wav)]
    printed = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()
    return [(name, float(end)) for name, end in (item.rsplit(":", 1) for item in printed)]


def festival_phone_ends(text: str, voice: str, wav: Path, rate: float) -> list[tuple[str, float]]:
    """festival's segments (the same phone names as flite's), saved beside the wave."""
    segments = wav.with_suffix(".segs")
    quoted = text.replace("\\", " ").replace('"', " ")
    script = (f"(voice_{voice}_diphone)(Parameter.set 'Duration_Stretch {rate})"
              f'(set! u (utt.synth (Utterance Text "{quoted}")))'
              f'(utt.save.segs u "{segments}")(utt.save.wave u "{wav}" \'riff)')
    subprocess.run(["festival", "-b", f"(begin {script})"], check=True, capture_output=True, text=True)
    rows = [line.split() for line in segments.read_text().splitlines() if not line.startswith("#")]
    return [(name, float(end)) for end, _, name in (row for row in rows if len(row) == 3)]


def score(clip: Clip, output: Output) -> dict[str, list[float]]:
    scores = lipsync_scores(clip.truth, output.opening, output.rest, FPS)
    return {**scores, "seconds": [output.seconds]}


def lipwright_output(model: SpeechModel, clip: Clip, transcript: str | None, recognition: str) -> Output:
    samples, sample_rate = soundfile.read(str(clip.wav), dtype="float32")
    request = AnimationRequest(clip=AudioClip(samples, sample_rate), fps=FPS, transcript=transcript,
                               recognition=recognition)
    started = time.perf_counter()
    animation = model.animate(request)
    seconds = time.perf_counter() - started
    return Output(*opening_and_rest(animation.weights), seconds)


def trained_runs(runs: list[Path], device: str) -> dict[str, SpeechModel]:
    """Each run as a speech model, named for the table: 'Lipwright NETWORK (RUN), no transcript'."""
    from lipwright.devices import resolve_device
    from lipwright.evaluation.trained_runs import checkpoint_folder, run_name
    from lipwright.models.trained_run import TrainedRunModel

    models = {}
    for run in runs:
        model = TrainedRunModel(checkpoint_folder(run), resolve_device(device), name=run_name(run))
        models[f"Lipwright {model.config.model} ({model.name}), no transcript"] = model
    return models


def rhubarb_output(binary: str, clip: Clip, transcript: str | None, folder: Path) -> Output:
    command = [binary, "-f", "tsv", "--quiet", str(clip.wav)]
    if transcript is not None:
        dialog = folder / "dialog.txt"
        dialog.write_text(transcript)
        command[1:1] = ["-d", str(dialog)]
    started = time.perf_counter()
    printed = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - started
    rows = [line.split("\t") for line in printed.splitlines() if line.strip()]
    cues = [(float(time_), shape) for time_, shape in rows]
    n = int(np.ceil(clip.seconds * FPS))
    frame_times = np.arange(n) / FPS
    index = np.clip(np.searchsorted([t for t, _ in cues], frame_times, side="right") - 1, 0, len(cues) - 1)
    shapes = np.array([cues[i][1] for i in index])
    opening = np.array([RHUBARB_OPENING.get(shape, 0.0) for shape in shapes])
    return Output(opening, shapes == "X", seconds)


def summarise(name: str, scores: list[dict[str, list[float]]], audio_seconds: float) -> str:
    merged = {key: [value for s in scores for value in s[key]] for key in scores[0]}
    rate = {key: (np.mean(values) if values else float("nan")) for key, values in merged.items()}
    counts = {key: len(values) for key, values in merged.items()}
    spurious = 100 * sum(merged["spurious"]) / max(counts["closed"], 1)
    return (f"| {name} | {rate['closed']:.2f} ({counts['closed']}) | {spurious:.0f} "
            f"| {rate['opened']:.2f} ({counts['opened']}) "
            f"| {rate['rest']:.2f} ({counts['rest']}) | {rate['lag']:+.2f} | {rate['correlation']:.2f} "
            f"| {rate['seconds']:.3f} | {audio_seconds / sum(merged['seconds']):.1f}× |")


def spoken_clips(voices: list[str], texts: list[str], lines: int, rates: list[float], folder: Path) -> list[Clip]:
    """`lines` clips per voice, clip i speaking texts 2i and 2i+1 at rates[i % len(rates)]; clips whose
    transcript cannot be aligned (espeak-ng voices) are left out, and said so."""
    clips = []
    for voice in voices:
        for i in range(lines):
            wav = folder / f"{voice.replace(':', '-').replace('@', '-').replace('/', '-')}-{i}.wav"
            try:
                clips.append(speak_with_truth(texts[2 * i:2 * i + 2], voice, wav, rates[i % len(rates)]))
            except Unalignable as error:
                print(f"(left out {voice} clip {i}: no truth, {error})")
    return clips


CLIPS_FILE = "clips.json"


def save_clips(clips: list[Clip], folder: Path) -> None:
    """The clips' audio and truth in `folder`, for scoring where no speech engine is installed (a GPU
    machine) or with another engine version: the same clips, whichever machine scores them."""
    folder.mkdir(parents=True, exist_ok=True)
    for clip in clips:
        shutil.copyfile(clip.wav, folder / clip.wav.name)
    listing = [{"voice": c.voice, "text": c.text, "wav": c.wav.name, "seconds": c.seconds,
                "truth": [list(phone) for phone in c.truth]} for c in clips]
    (folder / CLIPS_FILE).write_text(json.dumps(listing, indent=1))


def load_clips(folder: Path) -> list[Clip]:
    """Clips saved by save_clips (--save-clips)."""
    listing = json.loads((folder / CLIPS_FILE).read_text())
    return [Clip(c["voice"], c["text"], folder / c["wav"], float(c["seconds"]),
                 [(label, float(start), float(end)) for label, start, end in c["truth"]]) for c in listing]


def room_tone(tone: str) -> tuple[str, float]:
    """COLOUR:DBFS as (colour, level); a ValueError naming what is wrong."""
    colour, _, level = tone.partition(":")
    if colour not in NOISE_COLOURS:
        raise ValueError(f"room tone {tone!r}: the colour must be one of {', '.join(NOISE_COLOURS)} (write COLOUR:DBFS, "
                         f"e.g. pink:-45)")
    return colour, _below_full_scale(level, f"room tone {tone!r}", "pink:-45")


def under_room_tone(clips: list[Clip], tone: str, folder: Path) -> list[Clip]:
    """The clips with steady noise under all of them, pauses included, as a home recording's room tone:
    `tone` is COLOUR:DBFS (a NOISE_COLOURS colour, its RMS level in dB full scale, e.g. pink:-45).
    Seeded by each clip's place, so the same clips get the same noise. Truth is unchanged."""
    colour, decibels = room_tone(tone)
    return _rewritten(clips, folder, lambda samples, rate, rng:
                      samples + coloured_noise(len(samples), colour, rng, rate) * 10 ** (decibels / 20))


def room(spec: str) -> tuple[float, float]:
    """RT60:DRR as (reverberation time in seconds, direct-to-reverberant ratio in dB); a ValueError naming
    what is wrong."""
    rt60, _, ratio = spec.partition(":")
    try:
        seconds, decibels = float(rt60), float(ratio)
    except ValueError:
        raise ValueError(f"room {spec!r}: write RT60:DRR, the reverberation time in seconds and the voice's level "
                         f"over the room's in dB (e.g. 0.3:10)") from None
    if not 0.05 <= seconds <= 3.0:
        raise ValueError(f"room {spec!r}: the reverberation time must be 0.05-3 s (a small room 0.3, a hall 2)")
    if not math.isfinite(decibels):
        raise ValueError(f"room {spec!r}: the direct-to-reverberant ratio must be a number of dB (e.g. 10)")
    return seconds, decibels


def in_room(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips as if spoken in a room (`spec` RT60:DRR, see `room`): each convolved with a seeded impulse
    response (synthetic.augment.room_response) and brought back to its own peak. Truth is unchanged."""
    rt60, ratio = room(spec)

    return _rewritten(clips, folder, lambda samples, rate, rng: synthetic_room(samples, rate, rt60, ratio, rng),
                      salt=1)  # a stream apart from --room-tone's noise


def low_pass(spec: str) -> float:
    """HZ as a low-pass corner in Hz; a ValueError naming what is wrong."""
    return _number_in(spec, 1000.0, 7000.0, f"low-pass {spec!r}: write the corner frequency in Hz (e.g. 3000)",
                      f"low-pass {spec!r}: the corner must be 1000-7000 Hz (a muffled microphone: 3000)")


def _number_in(text: str, low: float, high: float, unreadable: str, outside: str) -> float:
    """`text` as a number from `low` to `high`; a ValueError saying `unreadable` or `outside` (NaN is outside)."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(unreadable) from None
    if not low <= value <= high:
        raise ValueError(outside)
    return value


def muffled(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips through an 8th-order Butterworth low-pass at `spec` Hz, run forwards and backwards (no delay), as
    through a microphone under clothing or a narrowband codec. Truth is unchanged."""
    from scipy import signal

    hertz = low_pass(spec)
    return _rewritten(clips, folder, lambda samples, rate, rng: signal.sosfiltfilt(
        signal.butter(8, hertz, "lowpass", fs=rate, output="sos"), samples))


def high_pass(spec: str) -> float:
    """HZ as a high-pass corner in Hz; a ValueError naming what is wrong."""
    return _number_in(spec, 50.0, 1000.0, f"high-pass {spec!r}: write the corner frequency in Hz (e.g. 300)",
                      f"high-pass {spec!r}: the corner must be 50-1000 Hz (a telephone line: 300)")


def thinned(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips through an 8th-order Butterworth high-pass at `spec` Hz, run forwards and backwards (no delay), as
    through a telephone line (with --low-pass 3400: its whole 300-3400 Hz band) or a small loudspeaker. Truth is
    unchanged."""
    from scipy import signal

    hertz = high_pass(spec)
    return _rewritten(clips, folder, lambda samples, rate, rng: signal.sosfiltfilt(
        signal.butter(8, hertz, "highpass", fs=rate, output="sos"), samples))


def hum(spec: str) -> tuple[float, float]:
    """HZ:DBFS as (mains frequency, the hum's level in dB full scale); a ValueError naming what is wrong."""
    mains, _, level = spec.partition(":")
    frequency = _number_in(mains, 40.0, 70.0,
                           f"hum {spec!r}: write HZ:DBFS, the mains frequency and the hum's level (e.g. 50:-45)",
                           f"hum {spec!r}: mains hum is at 50 or 60 Hz (write e.g. 50:-45)")
    return frequency, _below_full_scale(level, f"hum {spec!r}", "50:-45")


def with_hum(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips with mains hum under all of them (`spec` HZ:DBFS, see `hum`: five harmonics, the first at
    that peak level), as from a ground loop. Truth is unchanged."""
    mains, decibels = hum(spec)
    return _rewritten(clips, folder, lambda samples, rate, rng: samples + mains_hum(len(samples), rate, mains,
                                                                                     decibels, rng), salt=2)


def gain(spec: str) -> float:
    """DB as a gain in dB below 0 (a line recorded too quietly); a ValueError naming what is wrong."""
    return _below_full_scale(spec, f"gain {spec!r}", "-30")


def _below_full_scale(text: str, what: str, example: str) -> float:
    """`text` as a number of dB below 0; a ValueError starting with `what` and ending with `example`."""
    try:
        decibels = float(text)
    except ValueError:
        raise ValueError(f"{what}: the level must be a number of dB full scale (e.g. {example})") from None
    if not math.isfinite(decibels) or decibels >= 0:
        raise ValueError(f"{what}: the level must be below 0 dB full scale (e.g. {example})")
    return decibels


def quieter(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips `spec` dB quieter, as a line recorded with the gain set far too low (written at 24 bits, so
    that only the level changes). Truth is unchanged."""
    decibels = gain(spec)
    return _rewritten(clips, folder, lambda samples, rate, rng: samples * 10 ** (decibels / 20), subtype="PCM_24")


def level_step(spec: str) -> float:
    """DB as the fall in dB (below 0) of a line whose level drops halfway; a ValueError naming what is wrong."""
    return _below_full_scale(spec, f"level step {spec!r}", "-20")


# How long a level step takes: a speaker turning from the microphone, not a cut.
STEP_SECONDS = 2.0


def stepped_down(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips with their level falling `spec` dB over STEP_SECONDS around their middle (a raised-cosine
    ramp), as a long take whose speaker turned from the microphone or whose gain was pulled down halfway
    (24 bits, so that only the level changes). Truth is unchanged."""
    decibels = level_step(spec)

    def ramp(samples: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
        seconds = np.arange(len(samples)) / rate - len(samples) / rate / 2
        fall = 0.5 - 0.5 * np.cos(np.pi * np.clip(seconds / STEP_SECONDS + 0.5, 0.0, 1.0))
        return samples * 10 ** (decibels * fall / 20)

    return _rewritten(clips, folder, ramp, subtype="PCM_24")


# Inhales before phrases: only in pauses long enough to hold one and a gap before the voice.
BREATH_SECONDS = (0.25, 0.45)
CATCH_BREATH_SECONDS = (0.12, 0.2)
BREATH_GAP_SECONDS = (0.05, 0.15)
BREATH_ROOM_SECONDS = 0.05  # kept clear after the pause's start


def breaths(spec: str) -> float:
    """DB as the inhales' level: their RMS this many dB against the speech's, -40 <= DB <= 0."""
    return _number_in(spec, -40.0, 0.0,
                      f"breaths {spec!r}: write the inhales' level in dB against the speech's (e.g. -20)",
                      f"breaths {spec!r}: an inhale sits 0 to 40 dB under the speech (write e.g. -20)")


def _speech(samples: np.ndarray, rate: int, clip: Clip) -> np.ndarray:
    """The samples of `clip`'s truth phones, its pauses left out."""
    return np.concatenate([samples[int(start * rate):int(end * rate)] for label, start, end in clip.truth
                           if label != "SIL"])


def _pauses_before_phrases(clip: Clip) -> list[tuple[float, float]]:
    """(start, end) of each truth pause that a phrase follows."""
    return [(start, end) for (label, start, end), following in zip(clip.truth, clip.truth[1:])
            if label == "SIL" and following[0] != "SIL"]


def with_catch_breaths(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """with_breaths, each inhale a quick catch-breath 0.12-0.2 s long, as before a line spoken in a hurry."""
    return with_breaths(clips, spec, folder, CATCH_BREATH_SECONDS)


def with_breaths(clips: list[Clip], spec: str, folder: Path,
                 lengths: tuple[float, float] = BREATH_SECONDS) -> list[Clip]:
    """The clips with an audible inhale (`synthetic.augment.inhalation`) in every truth pause before a phrase,
    ending 50-150 ms before the voice, `lengths` s long (0.25-0.45 s; shorter where the pause is), its RMS `spec`
    dB against the speech's (the truth's phones). Close-miked dialogue has one before nearly every phrase; a mouth
    should stay at rest through it. Truth is unchanged: the inhale is pause."""
    decibels = breaths(spec)
    changed = []
    for clip in clips:
        def breathe(samples: np.ndarray, rate: int, rng: np.random.Generator, clip: Clip = clip) -> np.ndarray:
            level = float(np.sqrt(np.mean(_speech(samples, rate, clip) ** 2))) * 10 ** (decibels / 20)
            out = samples.copy()
            for start, end in _pauses_before_phrases(clip):
                gap = rng.uniform(*BREATH_GAP_SECONDS)
                seconds = min(rng.uniform(*lengths), end - start - gap - BREATH_ROOM_SECONDS)
                if seconds < lengths[0]:
                    continue
                last = int((end - gap) * rate)
                first = last - int(seconds * rate)
                out[first:last] += inhalation(last - first, rate, rng) * level
            return out
        changed += _rewritten([clip], folder, breathe, salt=len(changed))
    return changed


CLICK_LEAD_SECONDS = (0.02, 0.12)  # the lips' click before the voice


def clicks(spec: str) -> float:
    """DB as the clicks' peak level against the speech's peak, -40 <= DB <= 0."""
    return _number_in(spec, -40.0, 0.0,
                      f"clicks {spec!r}: write the clicks' peak in dB against the speech's peak (e.g. -20)",
                      f"clicks {spec!r}: a mouth click peaks 0 to 40 dB under the speech (write e.g. -20)")


def with_clicks(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips with mouth clicks (`synthetic.augment.mouth_click`) in every truth pause before a phrase: one as
    the lips part, ending 20-120 ms before the voice, and one anywhere else in the pause, kept 50 ms clear of its
    start and 0.2 s clear of the voice, where the pause has room; each peaking `spec` dB against the speech's peak.
    Close-miked dialogue has them; a mouth should stay at rest through them. Truth is unchanged: a click is pause."""
    decibels = clicks(spec)
    changed = []
    for clip in clips:
        def click(samples: np.ndarray, rate: int, rng: np.random.Generator, clip: Clip = clip) -> np.ndarray:
            level = float(np.abs(_speech(samples, rate, clip)).max()) * 10 ** (decibels / 20)
            out = samples.copy()
            for start, end in _pauses_before_phrases(clip):
                sounds = [mouth_click(rate, rng)]
                ends = [end - rng.uniform(*CLICK_LEAD_SECONDS)]
                room = (start + BREATH_ROOM_SECONDS + 0.02, end - 0.2)
                if room[1] > room[0]:
                    sounds.append(mouth_click(rate, rng))
                    ends.append(rng.uniform(*room))
                for sound, last in zip(sounds, ends):
                    first = int(last * rate) - len(sound)
                    if first >= int(start * rate):
                        out[first:first + len(sound)] += sound * level
            return out
        changed += _rewritten([clip], folder, click, salt=len(changed))
    return changed


def _joined_count(text: str | int) -> int:
    """N of --joined: a whole number of clips, at least 1; a ValueError naming what is wrong."""
    try:
        count = int(text)
    except ValueError:
        raise ValueError(f"--joined {text!r}: write how many clips each long line joins (e.g. 6)") from None
    if count < 1:
        raise ValueError(f"--joined {count}: join at least 1 clip into each line")
    return count


def joined(clips: list[Clip], count: int, folder: Path) -> list[Clip]:
    """Each voice's clips joined `count` at a time, in order, into long lines (a last shorter group kept):
    the truth of each clip shifted to where it now starts, its edge pauses merged with its neighbours'."""
    count = _joined_count(count)
    folder.mkdir(parents=True, exist_ok=True)
    by_voice: dict[str, list[Clip]] = {}
    for clip in clips:
        by_voice.setdefault(clip.voice, []).append(clip)
    lines = []
    for voice, own in by_voice.items():
        for first in range(0, len(own), count):
            group = own[first:first + count]
            pieces, truth, cursor, rate = [], [], 0.0, None
            for clip in group:
                samples, clip_rate = soundfile.read(str(clip.wav), dtype="float32")
                if rate is not None and clip_rate != rate:
                    raise ValueError(f"{clip.wav.name}: {clip_rate} Hz beside {rate} Hz; join clips of one rate")
                rate = clip_rate
                pieces.append(samples)
                for label, start, end in clip.truth:
                    if truth and label == "SIL" == truth[-1][0] and abs(truth[-1][2] - (cursor + start)) < 1e-6:
                        truth[-1] = ("SIL", truth[-1][1], cursor + end)
                    else:
                        truth.append((label, cursor + start, cursor + end))
                cursor += len(samples) / clip_rate
            wav = folder / f"{group[0].wav.stem}-joined{len(group)}.wav"
            soundfile.write(str(wav), np.concatenate(pieces), rate, subtype="PCM_24")
            lines.append(Clip(voice, " ".join(c.text for c in group), wav, cursor, truth))
    return lines


def overdrive(spec: str) -> float:
    """DB as dB of overdrive: how far over full scale the loudest peak was driven (0 < DB <= 40)."""
    try:
        decibels = float(spec)
    except ValueError:
        raise ValueError(f"overdrive {spec!r}: write how many dB the peaks were driven over full scale (e.g. 12)") \
            from None
    if not 0 < decibels <= 40:
        raise ValueError(f"overdrive {spec!r}: the overdrive must be over 0 and at most 40 dB (e.g. 12)")
    return decibels


def clipped(clips: list[Clip], spec: str, folder: Path) -> list[Clip]:
    """The clips recorded with the preamp's gain set too high: each clip's loudest peak driven `spec` dB over
    full scale and everything beyond full scale cut off flat, as a converter does. Truth is unchanged."""
    decibels = overdrive(spec)
    return _rewritten(clips, folder, lambda samples, rate, rng: np.clip(
        samples * 10 ** (decibels / 20) / max(np.abs(samples).max(), 1e-9), -1.0, 1.0))


def _rewritten(clips: list[Clip], folder: Path, change: Callable[[np.ndarray, int, np.random.Generator], np.ndarray],
               salt: int | None = None, subtype: str = "PCM_16") -> list[Clip]:
    """Each clip's samples changed by `change(samples, rate, rng)` (rng seeded by the clip's place, and `salt` when
    given) and written under `folder`; truth is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for index, clip in enumerate(clips):
        samples, rate = soundfile.read(str(clip.wav), dtype="float64")
        wav = folder / clip.wav.name
        rng = np.random.default_rng(index if salt is None else (salt, index))
        soundfile.write(str(wav), change(samples, rate, rng).astype(np.float32), rate, subtype=subtype)
        changed.append(Clip(clip.voice, clip.text, wav, clip.seconds, clip.truth))
    return changed


# What home recordings add, each a bench option laid on the clips in this order: (flag, metavar, how the
# value is read, how the clips are changed, help).
RECORDING_FAULTS = [
    ("--breaths", "DB", breaths, with_breaths,
     "score the clips with an inhale in every pause before a phrase, its level this many dB against the "
     "speech's, as close-miked dialogue has, e.g. -20"),
    ("--catch-breaths", "DB", breaths, with_catch_breaths,
     "score the clips with a quick catch-breath (0.12-0.2 s) in every pause before a phrase, its level this many dB "
     "against the speech's, e.g. -10"),
    ("--clicks", "DB", clicks, with_clicks,
     "score the clips with mouth clicks in every pause before a phrase (one as the lips part, one earlier), "
     "peaking this many dB against the speech's peak, as close-miked dialogue has, e.g. -20"),
    ("--level-step", "DB", level_step, stepped_down,
     "score the clips with their level falling this many dB over 2 s around their middle, as a take whose speaker "
     "turned from the microphone halfway, e.g. -20 (with --joined: long lines; laid on first, so room tone stays)"),
    ("--room", "RT60:DRR", room, in_room,
     "score the clips as spoken in a room: reverberation time in seconds and the voice's level over the room's in "
     "dB, e.g. 0.3:10"),
    ("--room-tone", "COLOUR:DBFS", room_tone, under_room_tone,
     "score the clips with steady noise under them, pauses included: white, pink or brown at this RMS level, e.g. "
     "pink:-45 (speech sits near -20 dBFS)"),
    ("--low-pass", "HZ", low_pass, muffled,
     "score the clips muffled: low-passed at this corner frequency, as through a microphone under clothing, e.g. 3000"),
    ("--high-pass", "HZ", high_pass, thinned,
     "score the clips thinned: high-passed at this corner frequency, as through a telephone line (with "
     "--low-pass 3400) or a small loudspeaker, e.g. 300"),
    ("--hum", "HZ:DBFS", hum, with_hum,
     "score the clips with mains hum under them: 50 or 60 Hz and four harmonics, the first at this peak level, "
     "e.g. 50:-45"),
    ("--gain", "DB", gain, quieter, "score the clips this many dB quieter, as recorded with the gain too low, e.g. -30"),
    ("--overdrive", "DB", overdrive, clipped,
     "score the clips clipped: each clip's loudest peak driven this many dB over full scale and cut off there, "
     "as recorded with the gain too high, e.g. 12"),
]


def _checked(parse: Callable[[str], object]) -> Callable[[str], str]:
    """An argparse type: the text itself once `parse` accepts it, its ValueError as argparse's error."""
    def argument(text: str) -> str:
        try:
            parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text
    return argument


def is_held_out(voice: str) -> bool:
    """kal and slt, however they are played (VOICE@SPEED, VOICE:8k)."""
    return voice.removesuffix(":8k").partition("@")[0] in HELD_OUT


def voice_groups(voices: list[str], clips: list[Clip]) -> dict[str, list[Clip]]:
    """The table's groups: tuning voices, the unseen development set, the held-out CMU voices."""
    def group_of(voice: str) -> str:
        name = voice.removesuffix(":8k")
        if is_held_out(voice):
            return "held-out voices"
        return "unseen development voices" if voice in DEV_VOICES or "@" in name else "tuning voices"

    groups: dict[str, list[str]] = {}
    for voice in voices:
        groups.setdefault(group_of(voice), []).append(voice)
    return {f"{group} {'/'.join(members)}": [c for c in clips if c.voice in members] for group, members in groups.items()}


def clips_for(args: argparse.Namespace, scratch: Path, save_to: Path | None = None) -> list[Clip]:
    """The clips `args` ask for (--clips, or --voices/--lines/--rates/--seed): loaded, or spoken into
    `scratch` and also saved to `save_to` when given."""
    if args.clips:
        return load_clips(args.clips)
    voices = [v for voice in args.voices for v in (DEV_VOICES if voice == "dev" else (voice,))]
    clips = spoken_clips(voices, sentences(2 * args.lines, seed=args.seed), args.lines, args.rates, scratch)
    if save_to:
        save_clips(clips, save_to)
    return clips


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=6)
    parser.add_argument("--voices", nargs="+", default=["awb", "rms", "ked", "awb:8k", "rms:8k", "kal", "slt"],
                        help="flite/festival voices, espeak:NAME, VOICE@SPEED, VOICE:8k; `dev`: the unseen-voice "
                             "development set (DEV_VOICES)")
    parser.add_argument("--rates", nargs="+", type=float, default=[1.0, 0.8], help="flite duration_stretch values")
    parser.add_argument("--seed", type=int, default=2026, help="which generated sentences")
    parser.add_argument("--only", default="", help="run only the tools and modes whose name contains this")
    parser.add_argument("--run", type=Path, action="append", default=[],
                        help="a trained run folder (or checkpoint folder) to measure beside the others; repeatable")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu", help="where trained runs run")
    parser.add_argument("--save-clips", type=Path, help="also keep the spoken clips and their truth in this folder")
    parser.add_argument("--clips", type=Path, help="score clips saved with --save-clips instead of speaking "
                                                   "(--voices, --lines, --rates and --seed are then ignored)")
    parser.add_argument("--joined", type=_checked(_joined_count), metavar="N",
                        help="join each voice's clips N at a time into long lines (before any fault is laid on)")
    for flag, metavar, parse, _, text in RECORDING_FAULTS:
        parser.add_argument(flag, metavar=metavar, type=_checked(parse), help=text)
    args = parser.parse_args()
    rhubarb = shutil.which("rhubarb")
    model = PhonemeModel()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        clips = clips_for(args, folder, args.save_clips)
        if args.joined is not None:
            clips = joined(clips, _joined_count(args.joined), folder / "joined")
        for flag, _, _, lay_on, _ in RECORDING_FAULTS:  # in the table's order
            if spec := getattr(args, flag.removeprefix("--").replace("-", "_")):
                clips = lay_on(clips, spec, folder / flag.removeprefix("--"))
        args.voices = list(dict.fromkeys(clip.voice for clip in clips))
        lipwright_output(model, clips[0], None, "accurate")  # load the decoders once
        tools = {
            "Lipwright, transcript": lambda c: lipwright_output(model, c, c.text, "accurate"),
            "Lipwright, no transcript (accurate)": lambda c: lipwright_output(model, c, None, "accurate"),
            "Lipwright, no transcript (fast)": lambda c: lipwright_output(model, c, None, "fast"),
            "Lipwright, no transcript (network)": lambda c: lipwright_output(model, c, None, "network"),
        }
        if args.only in "Lipwright, no transcript (network)":  # load the network that hears closures once
            tools["Lipwright, no transcript (network)"](clips[0])
        runs = {name: run_model for name, run_model in trained_runs(args.run, args.device).items()
                if args.only in name}
        for name, run_model in runs.items():
            lipwright_output(run_model, clips[0], None, "fast")  # warm: the first pass builds kernels and caches
            tools[name] = lambda c, run_model=run_model: lipwright_output(run_model, c, None, "fast")
        if rhubarb:
            tools["Rhubarb, transcript"] = lambda c: rhubarb_output(rhubarb, c, c.text, folder)
            tools["Rhubarb, no transcript"] = lambda c: rhubarb_output(rhubarb, c, None, folder)
        else:
            print("(no rhubarb on the PATH: Lipwright only)")
        tools = {name: run for name, run in tools.items() if args.only in name}
        groups = voice_groups(args.voices, clips)
        print(f"{len(clips)} clips, {sum(c.seconds for c in clips):.1f} s of audio, {FPS:g} fps, "
              f"each two sentences with {PAUSE_BETWEEN} s pauses")
        for group, members in groups.items():
            if not members:
                continue
            print(f"\n{group} ({len(members)} clips)\n")
            print("| tool, mode | p/b/m closed (n) | closures off p/b/m per 100 | open vowels opened (n) "
                  "| rest in pauses (n) | lag, frames | correlation | s per clip | RTF |")
            print("|---|---|---|---|---|---|---|---|---|")
            for name, run in tools.items():
                scores = [score(clip, run(clip)) for clip in members]
                print(summarise(name, scores, sum(c.seconds for c in members)), flush=True)


if __name__ == "__main__":
    main()
