"""Per-frame phone classes for training: a corpus that knows what was said and when (a synthetic corpus's
`phones/NAME.json`, written from the synthesiser's own timings) gives each motion frame the phone at its
centre. They feed the networks' optional phone head (models/parts/phone_head.py), which asks the audio
encoder to tell the phones apart: a p from a t is what the motion loss alone teaches too weakly to hear
on voices a network never trained on."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..datasets.corpus import Corpus
from ..phones.phone import ARPABET, SILENCE, normalise_label

PHONE_CLASSES: tuple[str, ...] = (SILENCE, *sorted(ARPABET))
UNKNOWN = -1  # a frame no phone covers, or a clip without phones: the phone loss skips it
_INDEX = {label: i for i, label in enumerate(PHONE_CLASSES)}


def frame_phone_classes(phones: Sequence[Sequence], frames: int, fps: float) -> np.ndarray:
    """phones: [label, start s, end s] spans -> (frames,) int64 class indices, frame i labelled by the phone
    at its centre (i + 0.5) / fps (frames cover [0, duration)); UNKNOWN where no span covers it."""
    labels = np.full(frames, UNKNOWN, dtype=np.int64)
    centres = (np.arange(frames) + 0.5) / fps
    for label, start, end in phones:
        labels[(centres >= float(start)) & (centres < float(end))] = _INDEX[normalise_label(str(label))]
    return labels


def corpus_phone_classes(corpus: Corpus, name: str, frames: int, fps: float) -> np.ndarray | None:
    """The classes of clip `name` from the corpus's phone timings, or None when it lacks them (VOCASET,
    BIWI: a network then trains on motion alone)."""
    timings = corpus.phone_timings(name)
    return None if timings is None else frame_phone_classes(timings, frames, fps)
