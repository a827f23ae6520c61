"""A preprocessed speech-to-mesh corpus in the field's layout: `wav/NAME.wav`, `vertices_npy/NAME.npy`
(frames x vertices*3) and `templates.pkl` (subject -> neutral mesh), NAME = SUBJECT_SENTENCE, the
sentence number in its last two digits (VOCASET `FaceTalk_170728_03272_TA_sentence01`, BIWI `F2_e01`).
A corpus of our own making says its frame rate and splits in `layout.json`. The metric regions are
read, as CodeTalker lays them out, from `regions/lve.txt` (lip vertices) and `regions/fdd.txt`
(upper-face vertices): vertex indices separated by commas or white space."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.clip import AudioClip
from ..audio.decode import load_audio
from ..errors import LipwrightError
from .safe_pickle import load_arrays_pickle
from .splits import LAYOUTS, DatasetLayout, layout_from_json


@dataclass(frozen=True)
class Sequence:
    """One spoken sentence of one subject; loads its audio and motion only when asked."""
    name: str
    subject: str
    sentence: int
    wav: Path
    vertices_file: Path
    stride: int

    def audio(self, sample_rate: int = 16000) -> AudioClip:
        return load_audio(self.wav, target_rate=sample_rate)

    def vertices(self) -> np.ndarray:
        """(frames, vertices, 3) float32 at the layout's frame rate."""
        stored = np.load(self.vertices_file, allow_pickle=False)
        if stored.ndim != 2 or stored.shape[1] % 3:
            raise LipwrightError(f"{self.vertices_file} has shape {stored.shape}; expected frames x vertices*3")
        return stored[::self.stride].reshape(len(stored[::self.stride]), -1, 3).astype(np.float32)


class Corpus:
    """The sequences of `root` that have both a wav and a vertices file, with their subjects' templates."""

    def __init__(self, root: str | Path, layout: DatasetLayout | str | None = None):
        """layout: 'vocaset', 'biwi', a DatasetLayout, or None for the corpus's own layout.json."""
        self.root = Path(root)
        self.layout = self._layout(layout)
        for needed in ("wav", "vertices_npy", "templates.pkl"):
            if not (self.root / needed).exists():
                raise LipwrightError(f"{self.root} has no {needed}: point at the folder of the preprocessed "
                                     f"{self.layout.name} data set (wav/, vertices_npy/, templates.pkl)")
        self.templates = load_arrays_pickle(self.root / "templates.pkl")
        self.sequences = [sequence for wav in sorted((self.root / "wav").glob("*.wav"))
                          if (sequence := self._sequence(wav)) is not None]

    @property
    def fps(self) -> float:
        return self.layout.fps

    def phone_timings(self, name: str) -> list[tuple[str, float, float]] | None:
        """What was said when in clip `name`, as (label, start s, end s), from `phones/NAME.json` (a synthetic
        corpus writes it); None for corpora without (VOCASET, BIWI)."""
        path = self.root / "phones" / f"{name}.json"
        if not path.is_file():
            return None
        return [(str(label), float(start), float(end)) for label, start, end in json.loads(path.read_text())["phones"]]

    def split(self, name: str) -> list[Sequence]:
        """The sequences of split `name` ('train', 'val' or 'test') that are present."""
        if name not in self.layout.splits:
            raise LipwrightError(f"no split {name!r} in {self.layout.name}; choose one of "
                                 f"{', '.join(self.layout.splits)}")
        split = self.layout.splits[name]
        return [s for s in self.sequences if s.subject in split.subjects and s.sentence in split.sentences]

    def template(self, subject: str) -> np.ndarray:
        if subject not in self.templates:
            raise LipwrightError(f"templates.pkl in {self.root} has no mesh for subject {subject!r}")
        return self.templates[subject]

    def region(self, name: str) -> np.ndarray:
        """Vertex indices of region `name`: 'lve' (the lips) or 'fdd' (the upper face)."""
        path = self.root / "regions" / f"{name}.txt"
        if not path.is_file():
            raise LipwrightError(f"{self.root} has no regions/{name}.txt: LVE and FDD need the lip (lve.txt) and "
                                 "upper-face (fdd.txt) vertex indices of the data set's topology")
        try:
            indices = np.array([int(item) for item in path.read_text().replace(",", " ").split()], dtype=np.int64)
        except ValueError as error:
            raise LipwrightError(f"{path} should hold vertex indices separated by commas ({error})") from error
        return indices

    def _layout(self, layout: DatasetLayout | str | None) -> DatasetLayout:
        if isinstance(layout, DatasetLayout):
            return layout
        if layout is not None:
            if layout not in LAYOUTS:
                raise LipwrightError(f"unknown data set layout {layout!r}: use one of {', '.join(LAYOUTS)}")
            return LAYOUTS[layout]
        described = self.root / "layout.json"
        if not described.is_file():
            raise LipwrightError(f"{self.root} has no layout.json: say which data set it is (vocaset or biwi)")
        return layout_from_json(json.loads(described.read_text()))

    def _sequence(self, wav: Path) -> Sequence | None:
        vertices_file = self.root / "vertices_npy" / (wav.stem + ".npy")
        subject, _, tail = wav.stem.rpartition("_")
        if not vertices_file.exists() or not subject or not tail[-2:].isdigit():
            return None  # the field's loaders skip unpaired files too
        return Sequence(wav.stem, subject, int(tail[-2:]), wav, vertices_file, self.layout.stride)
