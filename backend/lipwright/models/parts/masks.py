"""FaceFormer's attention masks: the biased causal mask of its decoder's self-attention (ALiBi-like
penalties that grow one step per period into the past) and the alignment mask of its cross-attention
(each motion frame sees only the audio features of its own time)."""

from __future__ import annotations

import math

import torch


def alibi_slopes(heads: int) -> torch.Tensor:
    """(heads,): a geometric sequence from 2^(-8/heads) (ALiBi's slopes; heads a power of two is exact,
    other counts take the nearest power's slopes and fill in from the next one's, as ALiBi does)."""
    def power_of_two(n: int) -> list[float]:
        start = 2 ** (-8 / n)
        return [start ** (i + 1) for i in range(n)]

    if math.log2(heads).is_integer():
        return torch.tensor(power_of_two(heads))
    lower = 2 ** math.floor(math.log2(heads))
    return torch.tensor(power_of_two(lower) + power_of_two(2 * lower)[0::2][:heads - lower])


def biased_causal_mask(heads: int, frames: int, period: int) -> torch.Tensor:
    """(heads, frames, frames) additive mask: query i may see keys j <= i, with bias
    -slope_h * floor((i - j) / period); later keys get -inf."""
    query, key = torch.arange(frames)[:, None], torch.arange(frames)[None, :]
    distance = query - key
    steps = torch.div(distance.clamp(min=0), period, rounding_mode="floor").float()
    bias = -alibi_slopes(heads)[:, None, None] * steps[None]
    return bias.masked_fill((distance < 0)[None], float("-inf"))


def alignment_mask(frames: int, audio_steps: int, audio_per_frame: int = 1) -> torch.Tensor:
    """(frames, audio_steps) bool, True where attention is NOT allowed: frame t sees audio steps
    [t * audio_per_frame, (t + 1) * audio_per_frame). VOCASET: 1 (features at 30 fps); BIWI: 2
    (features at 50 Hz for 25 fps)."""
    start = torch.arange(frames)[:, None] * audio_per_frame
    step = torch.arange(audio_steps)[None, :]
    return ~((step >= start) & (step < start + audio_per_frame))


def length_mask(lengths: list[int], longest: int, device) -> torch.Tensor:
    """(batch, longest) bool, True on each row's first lengths[row] steps (its real frames)."""
    return torch.arange(longest, device=device)[None, :] < torch.tensor(lengths, device=device)[:, None]
