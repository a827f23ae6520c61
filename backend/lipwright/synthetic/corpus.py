"""Write a synthetic corpus in the VOCASET layout: `wav/` (16 kHz), `vertices_npy/` (default-head
vertices, frames x vertices*3 at 30 fps), `templates.pkl`, plus `weights_npy/` (ARKit weights, the
teacher's own space), `phones/` (the aligned phone timings and text, for lip-sync evaluation) and
`layout.json` (frame rate and splits) and `regions/` (the default head's lip and upper-face
vertices, for LVE and FDD).

Clip i's line and voice follow from (seed, i) alone, and a clip counts as written once its wav is
there (written last), so an interrupted run resumes where it stopped and makes the same corpus."""

from __future__ import annotations

import io
import json
import multiprocessing
import pickle
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import soundfile

from ..audio.decode import load_audio
from ..datasets.splits import DatasetLayout, Split, layout_from_json, layout_to_json
from ..errors import LipwrightError
from ..files.atomic import atomic_writer, write_bytes_atomically, write_text_atomically
from ..models.base import AnimationRequest, Progress, no_progress
from ..audio.clip import AudioClip
from ..models.phonemes import PhonemeModel, weights_for_phones
from ..motion.arkit import ARKIT_NAMES
from ..template import load_default_head
from .augment import augment
from .brow_gestures import brow_gestures, brow_rng
from .festival_speech import speak_with_phones
from .foreign_lines import foreign_line
from .lines import line
from .voices import DEFAULT_VOICES, Voice, check_trainable, speak

FPS = 30.0
SAMPLE_RATE = 16000
# Clip i's "sentence number" (the layout's last two digits) is i % 100: these split the corpus.
SPLIT_SENTENCES = {"train": range(0, 90), "val": range(90, 95), "test": range(95, 100)}


def clip_name(voice: Voice, index: int) -> str:
    return f"{voice.id}_{index:06d}"


def plan_clip(index: int, voices: tuple[Voice, ...], seed: int) -> tuple[str, Voice]:
    """The line and voice of clip `index`: the same for the same seed, whatever ran before."""
    rng, voice = random.Random(seed * 1_000_003 + index), voices[index % len(voices)]
    return (line(rng) if voice.language == "english" else foreign_line(rng, voice.language)), voice


def make_corpus(out: str | Path, hours: float, voices: tuple[Voice, ...] = DEFAULT_VOICES, seed: int = 0,
                augmented: bool = True, workers: int = 1, progress: Progress = no_progress, brows: bool = False) -> dict:
    """Speak and animate clips into `out` until it holds `hours` of audio; returns a summary.
    augmented: some clips get noise, gain, reverberation or a telephone band (see augment.py).
    brows: the targets also get seeded eyebrow gestures (brow_gestures.py), for models that sample.
    workers: processes making clips side by side (each loads its own teacher)."""
    out = Path(out)
    voices = tuple(check_trainable(voice) for voice in voices)
    if not voices:
        raise LipwrightError("a synthetic corpus needs at least one voice")
    for folder in ("wav", "vertices_npy", "weights_npy", "phones"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    head = load_default_head()
    _write_layout(out, voices, head.mesh.vertices)
    _write_regions(out, head.lip_vertices, head.upper_face_vertices)
    pool = None
    if workers > 1:
        # spawn: a fresh interpreter per worker, nothing inherited from a parent holding threads.
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    target, total, index, counted, made, skipped = hours * 3600.0, 0.0, 0, 0, 0, []
    try:
        while total < target:
            jobs = [(out, index + i, voices, seed, augmented, brows) for i in range(1 if pool is None else 2 * workers)]
            jobs = [job for job in jobs if not _wav(out, job[1], voices).exists()]
            outcomes = list(pool.map(_make_numbered_clip, jobs) if pool else map(_make_numbered_clip, jobs))
            made += sum(problem is None for problem in outcomes)
            skipped += [problem for problem in outcomes if problem is not None]
            # A round's clips all count, so a run with workers may pass the target by up to one round.
            for _ in range(1 if pool is None else 2 * workers):
                wav = _wav(out, index, voices)
                index += 1
                if wav.exists():
                    total += soundfile.info(str(wav)).duration
                    counted += 1
            progress(min(total / target, 1.0), f"{total / 60:.1f} of {target / 60:.1f} min")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return {"clips": counted, "made": made, "skipped": skipped, "seconds": total}


def _wav(out: Path, index: int, voices: tuple[Voice, ...]) -> Path:
    return out / "wav" / f"{clip_name(voices[index % len(voices)], index)}.wav"


_teacher: PhonemeModel | None = None  # one per process


def _make_numbered_clip(job: tuple[Path, int, tuple[Voice, ...], int, bool, bool]) -> str | None:
    """Make clip `index`; returns None, or why it was left out (a line the teacher cannot align)."""
    global _teacher
    out, index, voices, seed, augmented, brows = job
    if _teacher is None:
        _teacher = PhonemeModel()
    text, voice = plan_clip(index, voices, seed)
    try:
        _make_clip(out, clip_name(voice, index), text, voice, _teacher, np.random.default_rng([seed, index]),
                   augmented, brow_rng(seed, index) if brows else None)
    except LipwrightError as error:
        return f"{clip_name(voice, index)}: {error}"
    return None


def _make_clip(out: Path, name: str, text: str, voice: Voice, teacher: PhonemeModel, rng: np.random.Generator,
               augmented: bool, brows: np.random.Generator | None = None) -> None:
    scratch = out / "wav" / f".{name}.spoken.wav"
    try:
        clip, weights, phones_spoken = _spoken_and_taught(text, voice, teacher, scratch)
    finally:
        scratch.unlink(missing_ok=True)
    samples, effects = augment(clip.samples, SAMPLE_RATE, rng) if augmented else (clip.samples, [])
    if brows is not None:
        gestures = brow_gestures(phones_spoken, len(weights), FPS, ARKIT_NAMES, brows)
        weights = np.maximum(weights, gestures)
    targets = teacher.head.targets
    vertices = teacher.head.mesh.vertices[None] + np.einsum("fu,uvd->fvd", weights, targets, dtype=np.float32)
    _save_npy(out / "vertices_npy" / f"{name}.npy", vertices.reshape(len(vertices), -1))
    _save_npy(out / "weights_npy" / f"{name}.npy", weights)
    phones = {"text": text, "voice": voice.id, "engine": voice.engine, "fps": FPS, "augmented": effects,
              "phones": phones_spoken, "brows": brows is not None, "language": voice.language}
    write_text_atomically(out / "phones" / f"{name}.json", json.dumps(phones))
    with atomic_writer(out / "wav" / f"{name}.wav") as stream:
        soundfile.write(stream, samples, SAMPLE_RATE, format="WAV", subtype="PCM_16")


def _spoken_and_taught(text: str, voice: Voice, teacher: PhonemeModel, wav: Path
                       ) -> tuple[AudioClip, np.ndarray, list[list]]:
    """The clip as spoken, the teacher's ARKit weights for it, and its phones as [label, start, end]."""
    if voice.language == "english":
        clip = load_audio(speak(text, voice, wav), target_rate=SAMPLE_RATE)
        # The teacher hears the clean speech; the model will hear it as recorded.
        animation = teacher.animate(AnimationRequest(clip=clip, fps=FPS, transcript=text, offsets=False))
        return clip, np.asarray(animation.weights, dtype=np.float32), animation.meta["phones"]
    # Festival says which phones it spoke and when: the rules animate those directly, no aligner needed.
    phones = speak_with_phones(text, voice, wav)
    clip = load_audio(wav, target_rate=SAMPLE_RATE)
    weights = weights_for_phones(phones, clip, FPS).astype(np.float32)
    return clip, weights, [[p.label, round(p.start, 4), round(p.end, 4)] for p in phones]


def _save_npy(path: Path, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32))
    write_bytes_atomically(path, buffer.getvalue())


def _write_layout(out: Path, voices: tuple[Voice, ...], head_vertices: np.ndarray) -> None:
    # A corpus may grow by several voice sets (English, then foreign): the layout keeps every set's voices.
    subjects = tuple(dict.fromkeys((*_subjects_there(out), *(voice.id for voice in voices))))
    layout = DatasetLayout("synthetic", FPS, 1, {name: Split(subjects, sentences_)
                                                for name, sentences_ in SPLIT_SENTENCES.items()})
    write_text_atomically(out / "layout.json", json.dumps(layout_to_json(layout), indent=1))
    # Every voice speaks through the same default head; a plain dict of arrays, as the readers expect.
    template = np.asarray(head_vertices, dtype=np.float32)
    write_bytes_atomically(out / "templates.pkl", pickle.dumps({subject: template for subject in subjects}))


def _subjects_there(out: Path) -> tuple[str, ...]:
    if not (out / "layout.json").is_file():
        return ()
    splits = layout_from_json(json.loads((out / "layout.json").read_text())).splits
    return tuple(dict.fromkeys(subject for split in splits.values() for subject in split.subjects))


def _write_regions(out: Path, lips: np.ndarray, upper_face: np.ndarray) -> None:
    (out / "regions").mkdir(exist_ok=True)
    for name, indices in (("lve", lips), ("fdd", upper_face)):
        write_text_atomically(out / "regions" / f"{name}.txt", ", ".join(str(int(i)) for i in indices))
