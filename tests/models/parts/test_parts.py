"""The shared model parts on hand-worked cases: FaceFormer's masks and periodic encoding, speaker style."""

import math

import torch

from lipwright.models.parts.masks import alibi_slopes, alignment_mask, biased_causal_mask
from lipwright.models.parts.positions import PeriodicPositionalEncoding, periodic_encoding
from lipwright.models.parts.speaker_style import SpeakerStyle, rows_by_speaker


def test_slopes_for_four_heads_run_from_a_quarter_to_1_over_256():
    torch.testing.assert_close(alibi_slopes(4), torch.tensor([1 / 4, 1 / 16, 1 / 64, 1 / 256]))
    assert len(alibi_slopes(6)) == 6 and alibi_slopes(6)[0] == alibi_slopes(4)[0]


def test_the_biased_causal_mask_hides_the_future_and_penalises_each_period_of_the_past():
    mask = biased_causal_mask(heads=2, frames=5, period=2)
    slopes = alibi_slopes(2)  # 2^-4 and 2^-8
    assert mask.shape == (2, 5, 5)
    assert torch.isinf(mask[0, 1, 2]) and torch.isinf(mask[1, 0, 4])
    assert mask[0, 4, 4] == 0 and mask[0, 4, 3] == 0  # within one period: no penalty
    assert math.isclose(float(mask[0, 4, 2]), -float(slopes[0]))  # one period back
    assert math.isclose(float(mask[1, 4, 0]), -2 * float(slopes[1]))  # two periods back
    attention = torch.softmax(mask[0], dim=-1)
    assert torch.all(attention.triu(diagonal=1) == 0)


def test_the_alignment_mask_lets_each_frame_see_its_own_audio():
    vocaset = alignment_mask(frames=3, audio_steps=3)
    assert (~vocaset).nonzero().tolist() == [[0, 0], [1, 1], [2, 2]]
    biwi = alignment_mask(frames=2, audio_steps=4, audio_per_frame=2)
    assert (~biwi).nonzero().tolist() == [[0, 0], [0, 1], [1, 2], [1, 3]]


def test_the_periodic_encoding_repeats_every_period_for_any_length():
    table = periodic_encoding(frames=95, dim=8, period=30)
    torch.testing.assert_close(table[0], table[30])
    torch.testing.assert_close(table[7], table[67])
    assert not torch.allclose(table[1], table[2])
    torch.testing.assert_close(table[0], torch.tensor([0.0, 1.0] * 4))  # sin 0, cos 0
    layer = PeriodicPositionalEncoding(8, 30, dropout=0.0)
    x = torch.zeros(2, 40, 8)
    torch.testing.assert_close(layer(x)[1], periodic_encoding(40, 8, 30))


def test_an_unseen_speaker_gets_the_average_style():
    style = SpeakerStyle(speakers=3, dim=4)
    out = style(torch.tensor([2, -1]))
    torch.testing.assert_close(out[0], style.table.weight[2])
    torch.testing.assert_close(out[1], style.table.weight.mean(dim=0))
    out.sum().backward()
    assert style.table.weight.grad.abs().sum() > 0


def test_restyled_tables_keep_each_known_speakers_row_and_start_new_ones_at_the_average():
    # Over generated speaker lists: any order, some dropped, some added.
    generator = torch.Generator().manual_seed(3)
    names = [f"s{i}" for i in range(12)]
    for _ in range(200):
        count = int(torch.randint(1, 8, (1,), generator=generator))
        speakers = [names[i] for i in torch.randperm(12, generator=generator)[:count].tolist()]
        table = torch.randn(count, 5, generator=generator)
        wanted = [names[i] for i in torch.randperm(12, generator=generator)[:int(torch.randint(1, 12, (1,), generator=generator))]]
        rows = rows_by_speaker(table, speakers, wanted)
        assert rows.shape == (len(wanted), 5)
        for row, speaker in zip(rows, wanted):
            expected = table[speakers.index(speaker)] if speaker in speakers else table.mean(dim=0)
            torch.testing.assert_close(row, expected)

