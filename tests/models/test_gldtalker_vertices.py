"""GLDiTalker in template-vertex space on the default head: its prior's encoder is the SpiralConv
pyramid over the head's topology, the prior learns the tiny corpus's offsets, and a checkpoint brings
its pyramid with it (a loaded run needs no mesh)."""

from dataclasses import replace

import torch

from lipwright.models.networks import build_network, load_network
from lipwright.models.parts.spiral_conv import SpiralMeshCoder
from lipwright.training.batches import collate
from lipwright.training.checkpoint import RunConfig, save_checkpoint

from .tiny_networks import ENCODER, losses_of_steps, pieces

TINY = {"features": 16, "codes": 16, "code_dim": 8, "hidden": 16, "layers": 1, "heads": 2, "feed_forward": 32,
        "mesh_channels": [4, 4, 4, 8], "train_steps": 100, "sampling_steps": 2}


def test_the_spiral_pyramid_prior_learns_default_head_offsets_and_saves_its_pyramid(tiny_corpus, tmp_path):
    examples = pieces(tiny_corpus, space="vertices", seconds=1.0)[:2]
    config = RunConfig("gldtalker", "vertices", examples[0].fps, "default-head", sorted({e.subject for e in examples}),
                       ENCODER, TINY, motion_dim=examples[0].motion.shape[1])
    torch.manual_seed(0)
    network = build_network(config)
    network.config = config = replace(config, settings=network.settings_dict())
    coder = network.prior.frame_coder.coder
    assert isinstance(coder, SpiralMeshCoder)
    sizes = config.settings["level_vertices"]
    assert sizes[0] == 4821 and len(sizes) == 4 and all(a > 3 * b for a, b in zip(sizes, sizes[1:]))
    assert coder.encoders[0].spirals[:, 0].equal(torch.arange(4821))  # each spiral starts at its vertex

    batch = collate(examples, {name: i for i, name in enumerate(config.speakers)})
    network.begin_stage("prior")
    network.train()
    losses = losses_of_steps(network, batch, steps=8, learning_rate=1e-2)
    assert losses[-1] < 0.7 * losses[0], losses

    save_checkpoint(tmp_path / "run", network.state_dict(), config)
    loaded = load_network(tmp_path / "run")  # built from the saved sizes, the pyramid from the weights
    for name, tensor in network.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    network.eval()
    with torch.no_grad():
        latents, mask = network.prior.encode(batch.motion / network.motion_scale, batch.frames)
        assert torch.equal(loaded.prior.decode(latents, [int(n) for n in mask.sum(1)]),
                           network.prior.decode(latents, [int(n) for n in mask.sum(1)]))
