"""The per-frame cost of estimating the weights of the units that move a prepared character's separate parts
from a vertex-space model's offsets on the default head (retarget.part_weights), beside the error of the
estimate for offsets made by known weights with noise on every vertex. Prints a markdown table.

Run: .venv/bin/python benchmarks/bench_part_weights.py [--frames 1000] [--noise 0 0.05 0.2]
"""

import argparse
import time

import numpy as np

from lipwright.retarget.part_weights import estimate_part_weights
from lipwright.template import load_default_head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.05, 0.2],
                        help="noise per vertex, as a share of the motion's largest offset")
    arguments = parser.parse_args()
    head = load_default_head()
    targets = np.asarray(head.targets, dtype=np.float64)
    rng = np.random.default_rng(0)
    # Every unit now and then, as a face that talks, smiles, blinks and looks about.
    weights = rng.uniform(0.0, 1.0, (arguments.frames, len(targets))) * (rng.uniform(size=(arguments.frames,
                                                                                          len(targets))) < 0.3)
    clean = np.einsum("fk,kvd->fvd", weights, targets)
    print("| frames | noise (share of the largest offset) | ms per frame | CPU ms per frame | jawOpen mean error | "
          "jaw units mean error | eye units mean error | worst error |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for noise in arguments.noise:
        offsets = clean + rng.normal(0.0, noise * np.abs(clean).max(), clean.shape)
        wall, cpu = time.perf_counter(), time.process_time()
        estimate = estimate_part_weights(offsets, head)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        columns = [list(head.target_names).index(name) for name in estimate.names]
        error = np.abs(estimate.weights - weights[:, columns])
        jaw = [i for i, name in enumerate(estimate.names) if name.startswith(("jaw", "tongue"))]
        eyes = [i for i, name in enumerate(estimate.names) if name.startswith("eye")]
        print(f"| {arguments.frames} | {noise:g} | {1000 * wall / arguments.frames:.2f} | "
              f"{1000 * cpu / arguments.frames:.2f} | {error[:, estimate.names.index('jawOpen')].mean():.3f} | "
              f"{error[:, jaw].mean():.3f} | {error[:, eyes].mean():.3f} | {error.max():.3f} |")


if __name__ == "__main__":
    main()
