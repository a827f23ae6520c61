"""The log-mel encoder: filter bank shapes, tone placement, gain invariance and output frame rate."""

import numpy as np
import pytest
import torch

from lipwright.encoders.frame_rate import frames_for, to_frames
from lipwright.audio.mel import hz_to_mel, mel_filter_bank, mel_to_hz
from lipwright.encoders.log_mel import LogMelConfig, LogMelEncoder


def test_filters_are_triangles_that_cover_the_band_once():
    filters = mel_filter_bank(16000, 400, 40, 20.0, 7600.0)
    assert filters.shape == (40, 201)
    assert filters.max() <= 1.0 and filters.min() == 0.0
    bins_hz = np.linspace(0, 8000, 201)
    inside = (bins_hz > 200) & (bins_hz < 7000)
    # Neighbouring triangles overlap by half: inside the band, the weights of each bin sum to one.
    np.testing.assert_allclose(filters[:, inside].sum(axis=0), 1.0, atol=1e-5)
    assert mel_to_hz(hz_to_mel(1000.0)) == pytest.approx(1000.0)
    with pytest.raises(ValueError, match="Nyquist"):
        mel_filter_bank(16000, 400, 40, 20.0, 9000.0)


def tone_after_silence(hz):
    """One second: faint noise, then a tone from 0.5 s on."""
    t = torch.arange(16000) / 16000
    noise = 0.05 * torch.randn(16000, generator=torch.Generator().manual_seed(0))
    return noise + 0.5 * torch.sin(2 * torch.pi * hz * t) * (t >= 0.5)


def test_a_tone_lights_the_band_around_its_frequency_whatever_its_gain():
    config = LogMelConfig()
    encoder = LogMelEncoder(config)
    audio = torch.stack([tone_after_silence(1000.0), tone_after_silence(3000.0)])
    log_mel = encoder.log_mel(audio)
    assert log_mel.shape == (2, config.mels, 101)  # 100 steps a second, centred frames
    centres = mel_to_hz(np.linspace(hz_to_mel(config.low_hz), hz_to_mel(config.high_hz), config.mels + 2))[1:-1]
    strongest = log_mel[:, :, 75].argmax(dim=-1)
    assert abs(centres[strongest[0]] - 1000) < 60 and abs(centres[strongest[1]] - 3000) < 150
    # Each band's clip mean is removed: a quieter recording gives the same features (above the floor).
    torch.testing.assert_close(encoder.log_mel(audio * 0.5), log_mel, atol=0.05, rtol=0)


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_features_come_out_at_the_motion_frame_rate_and_train(fps):
    encoder = LogMelEncoder(LogMelConfig(dim=16, layers=2))
    audio = 0.1 * torch.randn(2, 24000)
    frames = frames_for(24000, 16000, fps)
    features = encoder(audio, frames)
    assert features.shape == (2, round(1.5 * fps), 16)
    features.pow(2).mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in encoder.parameters())


def test_interpolation_keeps_the_ends_and_a_straight_line():
    ramp = torch.linspace(0, 1, 50).reshape(1, 50, 1).repeat(1, 1, 3)
    resampled = to_frames(ramp, 30)
    torch.testing.assert_close(resampled[0, :, 0], torch.linspace(0, 1, 30))
    assert to_frames(ramp, 50) is ramp


@pytest.mark.parametrize("seed", range(6))
def test_training_warps_each_clip_of_a_batch_by_its_own_factor_within_the_warp(seed):
    """Generated tones and seeds: in training the same clip repeated in a batch gives a different spectrum per
    clip, its tone's strongest band no further from its own than a warp of the band edges by at most `warp`
    allows; in use, none is warped."""
    torch.manual_seed(seed)
    config = LogMelConfig(warp=0.2)
    encoder = LogMelEncoder(config)
    hz = float(torch.empty(()).uniform_(300.0, 3000.0, generator=torch.Generator().manual_seed(seed)))
    audio = torch.stack([tone_after_silence(hz)] * 4)
    unwarped = encoder.eval().log_mel(audio)
    warped = encoder.train().log_mel(audio)
    assert all(not torch.allclose(warped[i], warped[j], atol=1e-3) for i in range(4) for j in range(i + 1, 4))
    torch.testing.assert_close(unwarped[0], unwarped[3])
    centres = mel_to_hz(np.linspace(hz_to_mel(config.low_hz), hz_to_mel(config.high_hz), config.mels + 2))[1:-1]
    # A bank stretched by f hears the tone where the plain bank hears hz / f.
    reach = [int(np.abs(centres - hz / factor).argmin()) for factor in (1 - config.warp, 1 + config.warp)]
    strongest = warped[:, :, 75].argmax(dim=-1)
    assert ((strongest >= min(reach) - 1) & (strongest <= max(reach) + 1)).all()


@pytest.mark.parametrize("seed", range(5))
def test_training_hides_runs_of_bands_and_use_hides_none(seed):
    torch.manual_seed(seed)
    config = LogMelConfig(mels=40, band_masks=2, band_mask_width=6)
    encoder = LogMelEncoder(config)
    audio = 0.1 * torch.randn(6, 8000) + torch.stack([tone_after_silence(400.0 * (k + 1))[:8000] for k in range(6)])
    plain = encoder.eval().log_mel(audio)
    masked = encoder.train().log_mel(audio)
    torch.testing.assert_close(encoder.eval().log_mel(audio), plain)
    assert (plain.abs().amax(dim=-1) > 0).all()  # noise: no band of the plain features is flat
    for clip in range(6):
        hidden = (masked[clip].abs().amax(dim=-1) == 0).nonzero().flatten()
        assert len(hidden) <= config.band_masks * config.band_mask_width
        kept = torch.ones(config.mels, dtype=torch.bool)
        kept[hidden] = False
        torch.testing.assert_close(masked[clip][kept], plain[clip][kept])
        # At most band_masks runs of neighbouring bands.
        runs = 0 if len(hidden) == 0 else 1 + int((hidden.diff() > 1).sum())
        assert runs <= config.band_masks
    hidden_anywhere = (masked.abs().amax(dim=-1) == 0).sum()
    assert hidden_anywhere > 0
