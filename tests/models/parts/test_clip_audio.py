"""Each clip of a padded batch is encoded alone: its features do not depend on its neighbours."""

import torch

from lipwright.encoders.log_mel import LogMelConfig, LogMelEncoder
from lipwright.models.parts.clip_audio import encode_clips


def test_a_clip_gets_the_features_it_would_get_alone_and_zeros_after_its_end():
    torch.manual_seed(0)
    encoder = LogMelEncoder(LogMelConfig(dim=8, layers=1, mels=20)).eval()
    audio = torch.randn(2, 16000) * 0.1
    audio[1, 8000:] = 0  # the second clip is half a second long: 15 frames at 30 fps
    with torch.no_grad():
        batched = encode_clips(encoder, audio, [30, 15], fps=30.0, ahead=2)
        alone = encode_clips(encoder, audio[1:, :8000], [15], fps=30.0, ahead=2)
    assert batched.shape == (2, 30, 8)
    torch.testing.assert_close(batched[1, :15], alone[0])
    assert torch.all(batched[1, 15:] == 0) and torch.all(batched[1, :15].abs().sum(dim=-1) > 0)
    # Looking ahead two frames: frame t gets (nearly: the time grid differs a little) frame t + 2's features.
    with torch.no_grad():
        now = encode_clips(encoder, audio[:1], [30], fps=30.0)
    shifted, unshifted = (torch.dist(batched[0, :28], now[0, start:start + 28]) for start in (2, 0))
    assert shifted < 0.5 * unshifted
