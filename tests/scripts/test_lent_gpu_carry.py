"""What travels to a lent GPU and back: a corpus packed to Opus and 8-bit weights unpacks into a corpus the
trainer reads, with the same clips, lengths and weights to 1/255; kept epochs come back as float16 with a frozen
part left out and are rebuilt into checkpoints equal to the originals, the left-out part from the base."""

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

from lipwright.datasets.corpus import Corpus
from lipwright.synthetic.corpus import make_corpus
from lipwright.synthetic.voices import Voice
from lipwright.training.checkpoint import load_checkpoint, save_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lent_gpu"))

from carry_corpus import is_foreign, pack, unpack  # noqa: E402
from carry_epochs import evenly_spaced, harvest, rebuild  # noqa: E402

from ..evaluation.tiny_run import untrained_run  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-languages")
    make_corpus(folder, hours=4 / 3600, voices=(Voice("flite", "rms"),))
    make_corpus(folder, hours=4 / 3600, voices=(Voice("festival", "lp_diphone", language="italian"),))
    return folder


def test_a_packed_corpus_unpacks_to_the_same_clips_and_weights(corpus, tmp_path):
    packed = pack(corpus, tmp_path / "pack", workers=1)
    assert packed == len(list((corpus / "wav").glob("*.wav")))
    assert unpack(tmp_path / "pack", tmp_path / "back", workers=1) == packed
    original, back = Corpus(corpus), Corpus(tmp_path / "back")
    assert [s.name for s in back.sequences] == [s.name for s in original.sequences]
    assert {s.subject for s in back.sequences} == {"flite-rms", "festival-lp-diphone"}
    for sequence in original.sequences:
        weights = np.load(corpus / "weights_npy" / f"{sequence.name}.npy")
        carried = np.load(tmp_path / "back" / "weights_npy" / f"{sequence.name}.npy")
        assert carried.shape == weights.shape and np.abs(carried - weights).max() <= 0.5 / 255 + 1e-6
        sent, _ = soundfile.read(str(corpus / "wav" / f"{sequence.name}.wav"), dtype="float32")
        came, rate = soundfile.read(str(tmp_path / "back" / "wav" / f"{sequence.name}.wav"), dtype="float32")
        assert rate == 16000 and len(came) == len(sent)
        # A lossy codec: the waveform differs, its loudness over time does not.
        envelope = [np.sqrt(np.mean(x[: len(x) // 400 * 400].reshape(-1, 400) ** 2, axis=1)) for x in (sent, came)]
        assert np.corrcoef(*envelope)[0, 1] > 0.95
    assert (tmp_path / "back" / "templates.pkl").is_file() and Corpus(tmp_path / "back").template("flite-rms").size


def test_the_english_control_leaves_out_only_the_foreign_voices(corpus, tmp_path):
    pack(corpus, tmp_path / "pack", workers=1)
    unpack(tmp_path / "pack", tmp_path / "english", english=True, workers=1)
    names = {path.stem for path in (tmp_path / "english" / "wav").glob("*.wav")}
    assert names and all(name.startswith("flite-rms") for name in names)
    from lipwright.synthetic.voices import VOICE_SETS

    for name, voices in VOICE_SETS.items():
        assert all(is_foreign(f"{voice.id}_{i:06d}") == name.startswith("foreign") for i, voice in enumerate(voices))


def test_kept_epochs_come_back_as_float16_and_the_left_out_part_from_the_base(tmp_path):
    base = untrained_run(tmp_path / "base", ["a", "b"]) / "best"
    config, state = load_checkpoint(base)
    for epoch in range(1, 6):
        moved = {name: value + 0.01 * epoch * torch.randn_like(value) if value.is_floating_point() else value
                 for name, value in state.items()}
        save_checkpoint(tmp_path / "run" / "epochs" / f"{epoch:03d}", moved, replace(config, fps=30.0 + epoch))
    picked = harvest(tmp_path / "run", str(tmp_path / "files" / "run"), per_file=2, cap=3, leave_out="style.")
    assert picked == ["001", "003", "005"] and len(list((tmp_path / "files").glob("run-*.pt"))) == 2
    assert rebuild(str(tmp_path / "files" / "run"), base, tmp_path / "back") == picked
    for epoch in picked:
        sent_config, sent = load_checkpoint(tmp_path / "run" / "epochs" / epoch)
        back_config, back = load_checkpoint(tmp_path / "back" / "epochs" / epoch)
        assert back_config == sent_config and set(back) == set(sent)
        for name, value in back.items():
            expected = state[name] if name.startswith("style.") else sent[name]
            torch.testing.assert_close(value, expected.float() if expected.is_floating_point() else expected,
                                       rtol=1e-3, atol=1e-3)
        assert not torch.equal(back["style.table.weight"], sent["style.table.weight"])


def test_the_epochs_brought_back_span_the_run_evenly_whatever_its_length():
    rng = np.random.default_rng(7)
    for count, cap in [(0, 3), (1, 1), (2, 14), (14, 14), *rng.integers(1, 120, (200, 2)).tolist()]:
        picks = evenly_spaced(count, cap)
        assert len(picks) == min(count, cap), (count, cap)
        if count:
            assert picks[0] == 0 and picks[-1] == count - 1 or (cap == 1 and picks == [0]), (count, cap)
        gaps = np.diff(picks)
        assert (gaps >= 1).all() and (len(gaps) == 0 or gaps.max() - gaps.min() <= 1), (count, cap, picks)
