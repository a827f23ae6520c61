"""A trained run folder without training: a tiny randomly initialised JambaTalk (real model code, tiny
random config), saved as `lipwright train` saves its runs; or a tiny landmark-guided run, a model that
samples. Also a script, for tests whose own Python lacks torch (bpy's):
`python tests/models/tiny_run.py FOLDER [--landmarks] [SPEAKER ...]`."""

import sys
from dataclasses import replace
from pathlib import Path

SPEAKERS = ("spk-a", "spk-b")


def make_tiny_run(folder: Path, speakers=SPEAKERS, seed: int = 0, **settings) -> Path:
    """A tiny randomly initialised JambaTalk (non-autoregressive: it hears 3 frames ahead); `settings`
    added to its tiny ones."""
    import torch

    from lipwright.encoders.build import log_mel_spec
    from lipwright.models.networks import build_network
    from lipwright.training.checkpoint import RunConfig, save_checkpoint

    torch.manual_seed(seed)
    config = RunConfig("jambatalk", "weights", 30.0, "default-head", list(speakers),
                       log_mel_spec(dim=16, layers=1, mels=40), {"hidden": 16, "feed_forward": 32, "layers": 2, **settings})
    network = build_network(config)
    # The output layer starts at zero (no motion) for training; random here, so the run's motion follows
    # its audio and speaker and a test can tell one line's result from another's.
    torch.nn.init.normal_(network.motion_out.weight, std=0.5)
    torch.nn.init.constant_(network.motion_out.bias, 0.3)
    network.config = replace(network.config, settings=network.settings_dict())
    return save_checkpoint(folder, network.state_dict(), network.config)


def make_tiny_gldtalker_run(folder: Path, speakers=SPEAKERS, seed: int = 0, **settings) -> Path:
    """A tiny randomly initialised GLDiTalker in weights space, its motion and latent scales set as its
    two training stages would set them; `settings` added to its tiny ones."""
    import torch

    from lipwright.encoders.build import log_mel_spec
    from lipwright.models.networks import build_network
    from lipwright.training.checkpoint import RunConfig, save_checkpoint

    torch.manual_seed(seed)
    config = RunConfig("gldtalker", "weights", 30.0, "default-head", list(speakers),
                       log_mel_spec(dim=16, layers=1, mels=40),
                       {"features": 16, "codes": 16, "code_dim": 8, "hidden": 16, "layers": 1, "heads": 2,
                        "feed_forward": 32, "train_steps": 100, "sampling_steps": 3, **settings})
    network = build_network(config)
    if network.contact_net is not None:  # random decisions, as the motion is random
        torch.nn.init.normal_(network.contact_net.out.weight, std=0.5)
    network.motion_scale.fill_(0.3)
    network.latent_scale.fill_(1.0)
    network.config = replace(network.config, settings=network.settings_dict())
    return save_checkpoint(folder, network.state_dict(), network.config)


def make_tiny_landmarks_run(folder: Path, speakers=SPEAKERS, seed: int = 0) -> Path:
    import torch

    from lipwright.encoders.build import log_mel_spec
    from lipwright.models.networks import build_network
    from lipwright.training.checkpoint import RunConfig, save_checkpoint

    torch.manual_seed(seed)
    settings = {"hidden": 16, "layers": 1, "heads": 2, "feed_forward": 32, "decoder_hidden": 16, "lip_points": 4,
                "upper_points": 2, "train_steps": 50, "sampling_steps": 4}
    config = RunConfig("landmarks", "weights", 30.0, "default-head", list(speakers),
                       log_mel_spec(dim=16, layers=1, mels=40), settings)
    network = build_network(config)
    torch.nn.init.normal_(network.decoder.out.weight, std=0.5)  # random output, as make_tiny_run's
    torch.nn.init.constant_(network.decoder.out.bias, 0.3)
    network.config = replace(network.config, settings=network.settings_dict())
    return save_checkpoint(folder, network.state_dict(), network.config)


if __name__ == "__main__":
    arguments = sys.argv[2:]
    make = make_tiny_landmarks_run if "--landmarks" in arguments else make_tiny_run
    make(Path(sys.argv[1]), tuple(a for a in arguments if a != "--landmarks") or SPEAKERS)
