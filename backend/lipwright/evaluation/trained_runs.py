"""A trained run as a predictor on a corpus split, and where a run keeps its checkpoint and history.

A run folder (made by `lipwright train`) holds best/ and last/ (each config.json + model.safetensors)
and history.json; a user may name the run or one of its checkpoint folders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..audio.clip import AudioClip
from ..datasets.corpus import Corpus
from ..errors import LipwrightError
from ..training.examples import SAMPLE_RATE, Example
from .corpus_metrics import Predictor
from .diversity import Sampler

if TYPE_CHECKING:
    from ..models.trained_run import TrainedRunModel

CONFIG_FILE, HISTORY_FILE = "config.json", "history.json"


def checkpoint_folder(run: str | Path) -> Path:
    """The folder with config.json: `run` itself, or its best/ checkpoint."""
    run = Path(run)
    for folder in (run, run / "best"):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise LipwrightError(f"{run} is not a trained run: point --run at a run folder made by `lipwright train` "
                         f"(with best/{CONFIG_FILE}) or at one of its checkpoint folders")


def run_file(run: str | Path, name: str) -> Path | None:
    """A file the run keeps beside its checkpoints (history.json, record.json): in `run`, or, when `run`
    is a checkpoint folder, there or in the run around it."""
    run = Path(run)
    folders = [run] if (run / "best").is_dir() else [run, run.parent]
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def run_history(run: str | Path) -> list[dict]:
    """The run's losses per epoch ({"epoch", "train", "val"}); [] when the run kept none."""
    path = run_file(run, HISTORY_FILE)
    return json.loads(path.read_text()) if path else []


def run_name(run: str | Path) -> str:
    """The run's folder name; a checkpoint's with its run's (best/ and last/ say which, not whose)."""
    run = Path(run).resolve()
    return f"{run.parent.name}/{run.name}" if run.name in ("best", "last") else run.name


def check_run_fits_corpus(model: "TrainedRunModel", corpus: Corpus, split: str) -> None:
    """Clear errors for a run measured on a corpus it cannot be compared with."""
    config = model.config
    if config.fps != corpus.fps:
        raise LipwrightError(f"the run {model.name!r} animates at {config.fps:g} fps and {corpus.root} holds "
                             f"{corpus.fps:g} fps motion: evaluate it on a corpus at its own frame rate")
    if config.motion_space != "vertices":
        return
    for subject in sorted({sequence.subject for sequence in corpus.split(split)}):
        numbers = corpus.template(subject).size
        if numbers != config.motion_dim:
            raise LipwrightError(
                f"the run {model.name!r} moves {config.motion_dim // 3} vertices ({config.template}) but "
                f"{subject}'s mesh in {corpus.root} has {numbers // 3}: evaluate it on a corpus of its own topology")


def trained_run_predictor(model: "TrainedRunModel", speaker: str | None = None, seed: int = 0,
                          steps: int | None = None) -> Predictor:
    """Predictions in the run's own motion space, without a transcript; weights kept in [0, 1] as the
    run's animations keep them. speaker: a training speaker's style, or None for the average style;
    seed, steps: a sampling run's (others ignore them)."""
    model.speaker_index(speaker)  # an unknown speaker fails now, not after the first clip

    def predict(example: Example) -> np.ndarray:
        motion = model.predict_lines([AudioClip(example.audio, SAMPLE_RATE)], [speaker], seeds=[seed], steps=steps)[0]
        if model.config.motion_space == "weights":
            motion = np.clip(motion, 0.0, 1.0)
        return motion

    return predict


def trained_run_sampler(model: "TrainedRunModel", count: int, seed: int = 0, steps: int | None = None,
                        speaker: str | None = None) -> Sampler:
    """`count` samples of each line (seeds seed .. seed + count - 1) from a run that samples, weights kept
    in [0, 1] as the run's animations keep them."""
    model.speaker_index(speaker)

    def sample(example: Example) -> np.ndarray:
        samples = np.stack(model.sample_lines(AudioClip(example.audio, SAMPLE_RATE), speaker, count, seed, steps))
        return np.clip(samples, 0.0, 1.0) if model.config.motion_space == "weights" else samples

    return sample
