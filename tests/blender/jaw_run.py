"""Writes a tiny vertex-space run on the default head whose motion is known by construction, for the add-on's
tests (run by the backend's Python: bpy's has no torch): a randomly initialised JambaTalk saved as `lipwright
train --space vertices` saves one, its output layer made to move the head only through a few of the head's
own units, each by a weight that follows the audio: offsets = sum_k (base_k + hidden . direction_k) target_k.
The mouth opens and closes with the line; its teeth and tongue move as the head's jawOpen moves them.

Usage: python tests/blender/jaw_run.py FOLDER [AUDIO.wav]  (with audio: prints each unit's weight range)"""

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

# unit -> (base weight, spread of the audio's part): every weight stays well inside [0, 1].
UNITS = {"jawOpen": (0.4, 0.3), "mouthFunnel": (0.2, 0.06), "mouthSmileLeft": (0.15, 0.05)}


def make_jaw_run(folder: Path) -> Path:
    import torch

    from lipwright.encoders.build import log_mel_spec
    from lipwright.models.networks import build_network
    from lipwright.template import load_default_head
    from lipwright.training.checkpoint import RunConfig, save_checkpoint

    head = load_default_head()
    targets = np.asarray(head.targets, dtype=np.float64).reshape(len(head.targets), -1)
    config = RunConfig("jambatalk", "vertices", 30.0, "default-head", [], log_mel_spec(dim=16, layers=1, mels=40),
                       {"hidden": 16, "feed_forward": 32, "layers": 2}, motion_dim=targets.shape[1])
    torch.manual_seed(0)
    network = build_network(config)
    network.config = replace(config, settings=network.settings_dict())
    rng = np.random.default_rng(0)
    weight, bias = np.zeros((targets.shape[1], 16)), np.zeros(targets.shape[1])
    for name, (base, spread) in UNITS.items():
        target = targets[list(head.target_names).index(name)]
        direction = rng.normal(0.0, spread / 4.0, 16)  # hidden features are about unit size: +-spread
        weight += np.outer(target, direction)
        bias += base * target
    with torch.no_grad():
        network.motion_out.weight.copy_(torch.from_numpy(weight))
        network.motion_out.bias.copy_(torch.from_numpy(bias))
    return save_checkpoint(folder, network.state_dict(), network.config)


def unit_weights(folder: Path, audio: Path) -> dict:
    """Each unit's weight over the line, read back from the run's offsets."""
    import soundfile

    from lipwright.audio.clip import AudioClip
    from lipwright.models.base import AnimationRequest
    from lipwright.models.trained_run import TrainedRunModel
    from lipwright.retarget.part_weights import estimate_part_weights
    from lipwright.template import load_default_head

    samples, rate = soundfile.read(audio, dtype="float32")
    offsets = TrainedRunModel(folder, "cpu").animate(AnimationRequest(clip=AudioClip(samples, rate), fps=24.0)).offsets
    estimate = estimate_part_weights(offsets, load_default_head())
    return {name: (float(estimate.weights[:, i].min()), float(estimate.weights[:, i].max()))
            for i, name in enumerate(estimate.names) if estimate.weights[:, i].max() > 0}


if __name__ == "__main__":
    made = make_jaw_run(Path(sys.argv[1]))
    if len(sys.argv) > 2:
        print(unit_weights(made, Path(sys.argv[2])))
