"""A synthetic corpus small enough to carry to a lent GPU machine (whose upload is capped near 64 MiB) and
back into the VOCASET layout there: Opus audio at about 16 kb/s and 8-bit ARKit weights, for weights-space
training (the vertices are left as empty files: weights-space runs never read them).

Run: python scripts/lent_gpu/carry_corpus.py pack CORPUS PACK
     python scripts/lent_gpu/carry_corpus.py unpack PACK CORPUS [--english]   (on the lent machine)
--english leaves out festival's foreign voices: the control that shows what they add."""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor
from functools import cache, partial
from pathlib import Path

import numpy as np
import soundfile

from lipwright.datasets.safe_pickle import load_arrays_pickle

OPUS_COMPRESSION = 0.96  # libsndfile's scale: 0.95 is about 19 kb/s, 0.96 about 16, 1.0 about 7
SAMPLE_RATE = 16000


def _pack_clip(src: Path, dst: Path, name: str) -> tuple[str, int]:
    samples, rate = soundfile.read(str(src / "wav" / f"{name}.wav"), dtype="float32")
    soundfile.write(str(dst / "ogg" / f"{name}.ogg"), samples, rate, format="OGG", subtype="OPUS",
                    compression_level=OPUS_COMPRESSION)
    return name, len(samples)


def pack(src: Path, dst: Path, workers: int = 2) -> int:
    (dst / "ogg").mkdir(parents=True, exist_ok=True)
    names = sorted(path.stem for path in (src / "wav").glob("*.wav") if not path.name.startswith("."))
    with ProcessPoolExecutor(workers) as pool:
        lengths = dict(pool.map(partial(_pack_clip, src, dst), names, chunksize=16))
    # ARKit weights lie in [0, 1]: 8 bits keep them to 1/255, far below what a face shows.
    np.savez_compressed(dst / "weights.npz", **{
        name: np.round(np.clip(np.load(src / "weights_npy" / f"{name}.npy"), 0, 1) * 255).astype(np.uint8)
        for name in names})
    (dst / "lengths.json").write_text(json.dumps(lengths))
    shutil.copy(src / "layout.json", dst / "layout.json")
    shutil.copytree(src / "regions", dst / "regions", dirs_exist_ok=True)
    templates = load_arrays_pickle(src / "templates.pkl")
    np.save(dst / "template.npy", next(iter(templates.values())))  # every synthetic voice shares the head
    return len(names)


@cache
def _foreign_voice_ids() -> frozenset[str]:
    from lipwright.synthetic.voices import VOICE_SETS

    return frozenset(voice.id for voices in VOICE_SETS.values() for voice in voices if voice.language != "english")


def is_foreign(name: str) -> bool:
    """Whether clip `name` ("<voice id>_<index>") is spoken by a non-English voice set."""
    return name.rsplit("_", 1)[0] in _foreign_voice_ids()


def _unpack_clip(src: Path, dst: Path, lengths: dict[str, int], name: str) -> None:
    samples, rate = soundfile.read(str(src / "ogg" / f"{name}.ogg"), dtype="float32")
    if rate != SAMPLE_RATE:
        import soxr

        samples = soxr.resample(samples, rate, SAMPLE_RATE)
    # The codec may pad or trim a few samples: the motion's frame count follows the original length.
    samples = np.pad(samples, (0, max(0, lengths[name] - len(samples))))[:lengths[name]]
    soundfile.write(str(dst / "wav" / f"{name}.wav"), samples, SAMPLE_RATE, subtype="PCM_16")
    (dst / "vertices_npy" / f"{name}.npy").touch()


def unpack(src: Path, dst: Path, english: bool = False, workers: int = 8) -> int:
    lengths = json.loads((src / "lengths.json").read_text())
    if english:
        lengths = {name: length for name, length in lengths.items() if not is_foreign(name)}
    for folder in ("wav", "weights_npy", "vertices_npy"):
        (dst / folder).mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(partial(_unpack_clip, src, dst, lengths), list(lengths), chunksize=32))
    weights = np.load(src / "weights.npz")
    for name in lengths:
        np.save(dst / "weights_npy" / f"{name}.npy", weights[name].astype(np.float32) / 255.0)
    shutil.copy(src / "layout.json", dst / "layout.json")
    shutil.copytree(src / "regions", dst / "regions", dirs_exist_ok=True)
    layout = json.loads((src / "layout.json").read_text())
    template = np.load(src / "template.npy")
    subjects = {subject for split in layout["splits"].values() for subject in split["subjects"]}
    (dst / "templates.pkl").write_bytes(pickle.dumps({subject: template for subject in sorted(subjects)}))
    return len(lengths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("pack", "unpack"))
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--english", action="store_true", help="unpack: leave out festival's foreign voices")
    args = parser.parse_args()
    count = pack(args.source, args.target) if args.action == "pack" else unpack(args.source, args.target, args.english)
    print(f"{count} clips {args.action}ed into {args.target}")


if __name__ == "__main__":
    main()
