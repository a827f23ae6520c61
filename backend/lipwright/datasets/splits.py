"""Each data set's subjects, sentences per split and frame rate, as the field's papers use them
(FaceFormer, CodeTalker, SelfTalk): figures are comparable only on these splits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Split:
    subjects: tuple[str, ...]
    sentences: range  # 1-based sentence numbers, end exclusive


@dataclass(frozen=True)
class DatasetLayout:
    name: str
    fps: float  # the frame rate models train and are measured at
    stride: int  # take every stride-th stored frame (VOCASET is stored at 60 fps)
    splits: dict[str, Split]


_VOCASET_TRAIN = ("FaceTalk_170728_03272_TA", "FaceTalk_170904_00128_TA", "FaceTalk_170725_00137_TA",
                  "FaceTalk_170915_00223_TA", "FaceTalk_170811_03274_TA", "FaceTalk_170913_03279_TA",
                  "FaceTalk_170904_03276_TA", "FaceTalk_170912_03278_TA")
VOCASET = DatasetLayout("vocaset", fps=30.0, stride=2, splits={
    "train": Split(_VOCASET_TRAIN, range(1, 41)),
    "val": Split(("FaceTalk_170811_03275_TA", "FaceTalk_170908_03277_TA"), range(21, 41)),
    "test": Split(("FaceTalk_170809_00138_TA", "FaceTalk_170731_00024_TA"), range(21, 41)),
})

# BIWI's Test-A: the six subjects seen in training, on sentences kept out of it.
_BIWI_SEEN = ("F2", "F3", "F4", "M3", "M4", "M5")
BIWI = DatasetLayout("biwi", fps=25.0, stride=1, splits={
    "train": Split(_BIWI_SEEN, range(1, 33)),
    "val": Split(_BIWI_SEEN, range(33, 37)),
    "test": Split(_BIWI_SEEN, range(37, 41)),
})

LAYOUTS = {layout.name: layout for layout in (VOCASET, BIWI)}


def layout_to_json(layout: DatasetLayout) -> dict:
    return {"name": layout.name, "fps": layout.fps, "stride": layout.stride,
            "splits": {name: {"subjects": list(split.subjects),
                              "sentences": [split.sentences.start, split.sentences.stop]}
                       for name, split in layout.splits.items()}}


def layout_from_json(data: dict) -> DatasetLayout:
    """The layout a corpus of our own making records in its layout.json."""
    return DatasetLayout(str(data["name"]), float(data["fps"]), int(data.get("stride", 1)), {
        name: Split(tuple(split["subjects"]), range(*split["sentences"])) for name, split in data["splits"].items()})
