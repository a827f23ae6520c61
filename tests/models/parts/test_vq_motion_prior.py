"""The motion prior's shapes and masks: time halves per halving, only real steps are quantised, and a
clip decodes the same alone or beside a longer one."""

import torch

from lipwright.models.parts.vq_motion_prior import VQMotionPrior, WeightsFrameCoder


def tiny_prior(halvings: int = 2) -> VQMotionPrior:
    torch.manual_seed(0)
    return VQMotionPrior(WeightsFrameCoder(52, 12), features=12, code_dim=6, codes=8, temporal_halvings=halvings,
                         decay=0.9, dead_code_threshold=0.0, commitment_weight=0.25)


def test_latents_run_at_a_quarter_of_the_frame_rate_after_two_halvings():
    prior = tiny_prior().eval()
    motion = torch.rand(2, 21, 52)
    latents, mask = prior.encode(motion, [21, 10])
    assert latents.shape == (2, 6, 6) and mask.sum(dim=1).tolist() == [6, 3]
    assert latents[1, 3:].abs().sum() == 0
    reconstructed, codes, commitment = prior.reconstruct(motion, [21, 10])
    assert reconstructed.shape == (2, 21, 52) and codes.shape == (9,) and commitment.ndim == 0


def test_a_clip_decodes_the_same_alone_or_beside_a_longer_one():
    prior = tiny_prior().eval()
    latents = torch.randn(2, 6, 6)
    latents[1, 3:] = 0
    batched = prior.decode(latents, [6, 3])
    alone = prior.decode(latents[1:, :3], [3])
    assert batched.shape == (2, 24, 52) and alone.shape == (1, 12, 52)
    torch.testing.assert_close(batched[1:, :12], alone, atol=1e-6, rtol=1e-5)
    # The padding is real input to an unmasked decoder: without the masks the two would differ.
    latents[1, 3:] = 5.0
    torch.testing.assert_close(prior.decode(latents, [6, 3])[1:, :12], alone, atol=1e-6, rtol=1e-5)
