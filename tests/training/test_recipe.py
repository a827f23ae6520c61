"""The recipe behind `lipwright train`: long clips cut into pieces, the run described whole (every
setting written out), and bad data or settings refused before anything is written or resumed."""

import numpy as np
import pytest

from lipwright.errors import LipwrightError, ModelError
from lipwright.models.jambatalk import JambaTalkSettings
from lipwright.training.checkpoint import load_checkpoint
from lipwright.training.examples import SAMPLE_RATE, Example
from lipwright.training.loop import TrainSettings
from lipwright.training.recipe import Recipe, cut, run_recipe

from ..models.tiny_networks import ENCODER, VARIANTS


def test_long_clips_are_cut_into_whole_frame_pieces_without_a_sliver_at_the_end():
    fps, frames = 30.0, 100
    audio = np.arange(round(frames / fps * SAMPLE_RATE), dtype=np.float32)
    motion = np.arange(frames, dtype=np.float32)[:, None].repeat(52, axis=1)
    pieces = cut(Example("line", "voice", audio, motion, fps), seconds=1.0)
    # 30 + 30 + 30, and the last 10 frames are more than a quarter of a piece: they stay.
    assert [len(piece.motion) for piece in pieces] == [30, 30, 30, 10]
    assert [piece.name for piece in pieces] == ["line@0", "line@30", "line@60", "line@90"]
    assert pieces[1].motion[0, 0] == 30 and pieces[1].audio[0] == round(30 / fps * SAMPLE_RATE)
    assert all(len(piece.audio) == round(len(piece.motion) / fps * SAMPLE_RATE) for piece in pieces)
    # 6 frames left over, under a quarter of a piece: dropped.
    sliver = cut(Example("line", "voice", audio[:16000 * 96 // 30], motion[:96], fps), seconds=1.0)
    assert [len(piece.motion) for piece in sliver] == [30, 30, 30]
    assert cut(pieces[0], seconds=6.0) == [pieces[0]]


def test_a_run_is_described_whole_so_later_defaults_do_not_change_it(tiny_corpus, tmp_path):
    model, settings = VARIANTS["jambatalk"]
    recipe = Recipe(model, tiny_corpus, tmp_path / "run", encoder=ENCODER, settings=settings, piece_seconds=2.0)
    result = run_recipe(recipe, TrainSettings(epochs=1, batch_size=4, device="cpu"))
    assert len(result["history"]) == 1 and result["examples"]["train"] > 3
    config, state = load_checkpoint(tmp_path / "run" / "best")
    assert config.settings == {**JambaTalkSettings().__dict__, **settings}
    assert config.encoder == ENCODER and config.model == "jambatalk" and config.motion_dim == 52
    assert config.speakers == ["espeak-ng-en-gb", "flite-awb"] and config.template == "default-head"
    assert (tmp_path / "run" / "last" / "model.safetensors").is_file() and state
    # The folder resumes only this run: other settings would not fit its weights.
    other = Recipe(model, tiny_corpus, tmp_path / "run", encoder=ENCODER, settings={**settings, "hidden": 32},
                   piece_seconds=2.0)
    with pytest.raises(LipwrightError, match="holds a run with other settings than these"):
        run_recipe(other, TrainSettings(epochs=2, batch_size=4, device="cpu"))


def test_a_missing_data_folder_is_named(tmp_path):
    with pytest.raises(LipwrightError, match="no data folder at .*nowhere.*--data"):
        run_recipe(Recipe("jambatalk", tmp_path / "nowhere", tmp_path / "run"))


def test_unknown_settings_stop_the_run_before_it_writes_anything(tiny_corpus, tmp_path):
    recipe = Recipe("faceformer", tiny_corpus, tmp_path / "run", encoder=ENCODER, settings={"hidden": 16})
    with pytest.raises(ModelError, match="unknown faceformer settings: hidden"):
        run_recipe(recipe, TrainSettings(epochs=1, device="cpu"))
    assert not (tmp_path / "run").exists()


def test_a_run_saved_before_an_encoder_setting_existed_resumes_as_its_default(tiny_corpus, tmp_path):
    """A run folder whose config lacks a later log-mel setting (band_masks) resumes with that setting at its
    default, and refuses it at another value."""
    import json

    model, settings = VARIANTS["jambatalk"]
    recipe = Recipe(model, tiny_corpus, tmp_path / "run", encoder=ENCODER, settings=settings, piece_seconds=2.0)
    run_recipe(recipe, TrainSettings(epochs=1, batch_size=4, device="cpu"))
    for folder in ("best", "last"):
        config_file = tmp_path / "run" / folder / "config.json"
        config = json.loads(config_file.read_text())
        assert config["encoder"].pop("band_masks") == 0 and config["encoder"].pop("band_mask_width") == 8
        config_file.write_text(json.dumps(config))
    resumed = run_recipe(recipe, TrainSettings(epochs=2, batch_size=4, device="cpu"))
    assert len(resumed["history"]) == 2
    masked = Recipe(model, tiny_corpus, tmp_path / "run", encoder={**ENCODER, "band_masks": 2}, settings=settings,
                    piece_seconds=2.0)
    with pytest.raises(LipwrightError, match="holds a run with other encoder than these"):
        run_recipe(masked, TrainSettings(epochs=3, batch_size=4, device="cpu"))


def test_fine_tuning_on_more_voices_keeps_each_known_style_and_starts_new_ones_at_the_average(tiny_corpus, tmp_path):
    """--init-from a checkpoint that knew one of the corpus's voices (and one the corpus lacks): the known voice
    keeps its style row, the new one starts at the checkpoint's average (the style unseen voices get)."""
    from dataclasses import replace

    import torch

    from lipwright.models.networks import build_network
    from lipwright.training.checkpoint import RunConfig, save_checkpoint

    model, settings = VARIANTS["jambatalk"]
    old_speakers = ["espeak-ng-en-gb", "gone-voice", "other-gone-voice"]
    config = RunConfig(model, "weights", 30.0, "default-head", old_speakers, ENCODER, settings, motion_dim=52)
    network = build_network(config)
    network.config = replace(config, settings=network.settings_dict())
    rows = torch.randn(3, network.style.table.weight.shape[1], generator=torch.Generator().manual_seed(7))
    network.style.table.weight.data.copy_(rows)
    save_checkpoint(tmp_path / "old", network.state_dict(), network.config)

    recipe = Recipe(model, tiny_corpus, tmp_path / "run", encoder=ENCODER, settings=settings, piece_seconds=2.0,
                    init_from=tmp_path / "old")
    run_recipe(recipe, TrainSettings(epochs=1, batch_size=4, learning_rate=0.0, device="cpu"))
    tuned, state = load_checkpoint(tmp_path / "run" / "last")
    assert tuned.speakers == ["espeak-ng-en-gb", "flite-awb"]
    table = state["style.table.weight"]
    assert torch.allclose(table[0], rows[0]) and torch.allclose(table[1], rows.mean(dim=0), atol=1e-6)
    assert not torch.allclose(table[1], rows[1], atol=1e-3)


def test_style_rows_follow_their_speakers_for_any_old_and_new_speaker_lists():
    """Over generated speaker lists: every speaker both lists share keeps its own row, every new one gets the
    old average, whatever the order or overlap; a table of another size is left alone."""
    import random
    from dataclasses import replace

    import torch

    from lipwright.models.networks import build_network
    from lipwright.training.checkpoint import RunConfig
    from lipwright.training.recipe import _styles_by_speaker

    model, settings = VARIANTS["jambatalk"]
    rng = random.Random(5)
    pool = [f"voice-{i}" for i in range(12)]
    for case in range(25):
        old, new = rng.sample(pool, rng.randint(1, 8)), rng.sample(pool, rng.randint(1, 8))
        config = RunConfig(model, "weights", 30.0, "default-head", new, ENCODER, settings, motion_dim=52)
        network = build_network(config)
        network.config = replace(config, settings=network.settings_dict())
        rows = torch.randn(len(old), network.style.table.weight.shape[1], generator=torch.Generator().manual_seed(case))
        table = _styles_by_speaker(network, {"style.table.weight": rows}, old)["style.table.weight"]
        assert table.shape[0] == len(new)
        for row, speaker in enumerate(new):
            expected = rows[old.index(speaker)] if speaker in old else rows.mean(dim=0)
            torch.testing.assert_close(table[row], expected)
        assert _styles_by_speaker(network, {"style.table.weight": rows}, old + ["extra"]) == {}
