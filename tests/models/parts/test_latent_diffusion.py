"""The diffusion pieces GLDiTalker's stage 2 stands on: diffusers' schedules set up for latents, and
noise that a row's seed alone decides."""

import pytest
import torch

from lipwright.models.parts.latent_diffusion import (derived_seed, sampling_schedule, seeded_noise,
                                                     training_schedule)


@pytest.mark.parametrize("sampler", ["ddim", "dpm-solver"])
def test_few_step_sampling_starts_from_pure_noise_and_ends_clean(sampler):
    training = training_schedule(100)
    assert training.config.prediction_type == "sample" and not training.config.clip_sample
    for steps in (1, 5, 25):
        timesteps = sampling_schedule(training, sampler, steps).timesteps
        assert len(timesteps) == steps and int(timesteps[0]) == 99 and list(timesteps) == sorted(timesteps, reverse=True)


@pytest.mark.parametrize("sampler", ["ddim", "dpm-solver"])
def test_a_perfect_denoiser_is_sampled_back_to_its_answer(sampler):
    clean = torch.randn(2, 7, 4)
    latents = seeded_noise([7, 7], 4, [1, 2], "cpu")
    schedule = sampling_schedule(training_schedule(100), sampler, 5)
    for timestep in schedule.timesteps:
        latents = schedule.step(clean, timestep, latents).prev_sample
    torch.testing.assert_close(latents, clean, atol=1e-4, rtol=1e-4)


def test_a_rows_noise_depends_on_its_seed_and_length_only():
    batched = seeded_noise([5, 3, 8], 4, [7, 8, 9], "cpu")
    alone = seeded_noise([3], 4, [8], "cpu")
    assert torch.equal(batched[1, :3], alone[0]) and batched[1, 3:].abs().sum() == 0
    assert not torch.equal(batched[0, :3], batched[1, :3])


def test_derived_seeds_differ_for_every_pair_and_repeat_for_the_same_pair():
    seeds = {derived_seed(seed, key) for seed in range(20) for key in range(20)}
    assert len(seeds) == 400 and derived_seed(3, 4) == derived_seed(3, 4)
    assert all(0 <= seed < 2 ** 63 for seed in seeds)
