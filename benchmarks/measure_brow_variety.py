"""How far apart samples of one line put the brows: for a sampling run (gldtalker, landmarks), N samples of each
of a corpus's test lines, and the largest distance between two samples at any brow vertex and frame (the brow
units' motion on the default head, in mm). The eval's "diversity, upper face" averages over every upper-face
vertex and frame, where a brow raise in a few frames hardly shows; this says whether a viewer would see it.

    python benchmarks/measure_brow_variety.py RUN --data CORPUS [--lines 10] [--samples 3] [--seed 5]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from lipwright.datasets.corpus import Corpus
from lipwright.models.trained_run import TrainedRunModel
from lipwright.template import load_default_head


def largest_brow_gaps(run: Path, data: Path, lines: int, samples: int, seed: int) -> list[float]:
    model, head = TrainedRunModel(run, "cpu"), load_default_head()
    targets = np.asarray(head.targets[:, head.upper_face_vertices], dtype=np.float64)
    brows = [index for index, name in enumerate(head.target_names) if name.startswith("brow")]
    test = sorted(Corpus(data).split("test"), key=lambda sequence: sequence.name)  # the corpus's own split
    gaps = []
    for sequence in test[:: max(1, len(test) // lines)][:lines]:
        drawn = np.stack(model.sample_lines(sequence.audio(), None, samples, seed=seed))
        moved = np.einsum("sfu,uvd->sfvd", np.asarray(drawn, dtype=np.float64)[..., brows], targets[brows])
        gaps.append(max(np.linalg.norm(moved[i] - moved[j], axis=-1).max()
                        for i in range(samples) for j in range(i + 1, samples)) * 1000.0)
    return gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run folder (or its best/) of a sampling model in weights space")
    parser.add_argument("--data", type=Path, required=True, help="a corpus made by lipwright data synth")
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    run = args.run / "best" if (args.run / "best").is_dir() else args.run
    gaps = largest_brow_gaps(run, args.data, args.lines, args.samples, args.seed)
    print(f"{len(gaps)} test lines, {args.samples} samples each: the brows of two samples lie up to "
          f"{np.median(gaps):.2f} mm apart (median over lines; min {min(gaps):.2f}, max {max(gaps):.2f})")


if __name__ == "__main__":
    main()
