"""Training examples in one of the two motion spaces a model can predict: ARKit weights (52 per
frame) or template-vertex offsets (frames, vertices * 3, from the subject's neutral mesh)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets.corpus import Corpus, Sequence
from ..datasets.live_link_face import read_take
from ..errors import LipwrightError
from .phone_labels import corpus_phone_classes

MOTION_SPACES = ("weights", "vertices")
SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Example:
    name: str
    subject: str
    audio: np.ndarray  # (samples,) float32 at SAMPLE_RATE
    motion: np.ndarray  # (frames, 52) weights or (frames, vertices * 3) offsets
    fps: float
    phones: np.ndarray | None = None  # (frames,) phone classes (phone_labels.py) where the corpus knows them


def corpus_examples(corpus: Corpus, split: str, space: str) -> list[Example]:
    """The examples of `split`; weights space needs the corpus's weights_npy/ (a synthetic corpus has it)."""
    if space not in MOTION_SPACES:
        raise LipwrightError(f"unknown motion space {space!r}: use one of {', '.join(MOTION_SPACES)}")
    return [_corpus_example(corpus, sequence, space) for sequence in corpus.split(split)]


def take_examples(folder: str | Path, fps: float = 30.0) -> list[Example]:
    """Every Live Link Face take (CSV with its audio) in `folder`, in weights space; the subject is the folder."""
    folder = Path(folder)
    examples = []
    for csv_path in sorted(folder.glob("*.csv")):
        take = read_take(csv_path, fps)
        examples.append(_trimmed(Example(csv_path.stem, folder.name, take.audio(SAMPLE_RATE).samples, take.weights,
                                         fps)))
    if not examples:
        raise LipwrightError(f"no Live Link Face takes (*.csv) in {folder}")
    return examples


def _corpus_example(corpus: Corpus, sequence: Sequence, space: str) -> Example:
    if space == "weights":
        weights_file = corpus.root / "weights_npy" / f"{sequence.name}.npy"
        if not weights_file.exists():
            raise LipwrightError(f"{corpus.root} has no ARKit weights for {sequence.name}: train a vertex-space model "
                                 "on it, or make a corpus with weights (lipwright data synth)")
        motion = np.load(weights_file, allow_pickle=False)[::corpus.layout.stride].astype(np.float32)
    else:
        offsets = sequence.vertices() - corpus.template(sequence.subject)
        motion = offsets.reshape(len(offsets), -1)
    audio = sequence.audio(SAMPLE_RATE).samples
    phones = corpus_phone_classes(corpus, sequence.name, len(motion), corpus.fps)
    return _trimmed(Example(sequence.name, sequence.subject, audio, motion, corpus.fps, phones))


def _trimmed(example: Example) -> Example:
    """Audio and motion cut to the shorter of the two: captures end a few frames apart, as in the field's loaders."""
    seconds = min(len(example.audio) / SAMPLE_RATE, len(example.motion) / example.fps)
    frames = int(round(seconds * example.fps))
    samples = int(round(frames / example.fps * SAMPLE_RATE))
    if frames < 1:
        raise LipwrightError(f"{example.name} has no motion frames that overlap its audio")
    return Example(example.name, example.subject, example.audio[:samples], example.motion[:frames], example.fps,
                   None if example.phones is None else example.phones[:frames])
