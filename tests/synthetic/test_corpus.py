"""A tiny synthetic corpus: spoken, animated by the teacher, readable by the corpus reader, resumable."""

import json

import numpy as np
import pytest

from lipwright.audio.clip import frame_count
from lipwright.cli.main import main
from lipwright.datasets.corpus import Corpus
from lipwright.errors import LipwrightError
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.motion.arkit import ARKIT_INDEX
from lipwright.synthetic.corpus import make_corpus
from lipwright.synthetic.voices import DEFAULT_VOICES, Voice, check_trainable

VOICES = (Voice("espeak-ng", "en-us", 170, 50), Voice("flite", "rms"), Voice("festival", "ked_diphone"))


def test_the_corpus_reads_back_with_motion_that_matches_its_audio(tmp_path):
    summary = make_corpus(tmp_path, hours=6 / 3600, voices=VOICES)
    assert summary["seconds"] >= 6 and not summary["skipped"]
    corpus = Corpus(tmp_path)  # frame rate and splits from its layout.json
    assert corpus.fps == 30.0 and len(corpus.sequences) == summary["clips"] >= 2
    assert {s.subject for s in corpus.sequences} <= {voice.id for voice in VOICES}
    closures = 0
    for sequence in corpus.sequences:
        vertices = sequence.vertices()
        weights = np.load(tmp_path / "weights_npy" / f"{sequence.name}.npy")
        phones = json.loads((tmp_path / "phones" / f"{sequence.name}.json").read_text())
        assert len(vertices) == len(weights) == frame_count(sequence.audio().seconds, 30.0)
        template = corpus.template(sequence.subject)
        # The mouth moves where the teacher's weights open the jaw, and rests where they are zero.
        moving = np.linalg.norm(vertices - template, axis=-1).max(axis=1)
        jaw = weights[:, ARKIT_INDEX["jawOpen"]]
        assert moving[jaw > 0.2].min() > 1e-4 and moving[np.abs(weights).max(axis=1) == 0].max() < 1e-6
        # The targets are what a model learns: they close the lips on every p/b/m the text has.
        opening, rest = opening_and_rest(weights)
        scores = lipsync_scores([tuple(p) for p in phones["phones"]], opening, rest, corpus.fps)
        assert all(scores["closed"]) and all(scores["opened"])
        closures += len(scores["closed"])
    assert closures > 0
    head_vertices = len(corpus.template(corpus.sequences[0].subject))
    assert 0 < len(corpus.region("lve")) < len(corpus.region("fdd")) < head_vertices
    assert sum(len(corpus.split(name)) for name in ("train", "val", "test")) == len(corpus.sequences)


def test_a_second_run_keeps_what_is_there_and_adds_the_rest(tmp_path):
    first = make_corpus(tmp_path, hours=3 / 3600, voices=VOICES[:2])
    written = {path: path.stat().st_mtime_ns for path in (tmp_path / "wav").glob("*.wav")}
    second = make_corpus(tmp_path, hours=8 / 3600, voices=VOICES[:2])
    assert second["clips"] > first["clips"] and second["made"] == second["clips"] - first["clips"]
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in written.items())
    assert not list((tmp_path / "wav").glob(".*"))  # no scratch files left behind


def test_held_out_voices_are_refused_everywhere():
    assert not [voice for voice in DEFAULT_VOICES if "kal" in voice.name or "slt" in voice.name]
    for voice in (Voice("flite", "slt"), Voice("flite", "kal16"), Voice("festival", "kal_diphone")):
        with pytest.raises(LipwrightError, match="kept out for evaluation"):
            check_trainable(voice)
    with pytest.raises(LipwrightError, match="kept out"):
        make_corpus("unused", hours=0.001, voices=(Voice("flite", "slt"),))


def test_workers_make_the_same_clips_as_one_process(tmp_path):
    one = make_corpus(tmp_path / "one", hours=8 / 3600, voices=VOICES, seed=5)
    two = make_corpus(tmp_path / "two", hours=8 / 3600, voices=VOICES, seed=5, workers=2)
    names = sorted(p.name for p in (tmp_path / "one" / "wav").glob("*.wav"))
    # Workers make clips a round at a time, so they may make a few beyond the target: never different ones.
    made_by_two = {p.name for p in (tmp_path / "two" / "wav").glob("*.wav")}
    assert set(names) <= made_by_two and two["clips"] == len(made_by_two) == two["made"]
    for name in names:
        assert (tmp_path / "one" / "wav" / name).read_bytes() == (tmp_path / "two" / "wav" / name).read_bytes()
        # pocketsphinx adapts to the utterances it heard before, so timings may move by a hair between runs.
        labels = [[p[0] for p in json.loads((tmp_path / run / "phones" / name.replace(".wav", ".json")).read_text())
                   ["phones"]] for run in ("one", "two")]
        assert labels[0] == labels[1]


def test_the_command_line_makes_a_corpus(tmp_path, capsys):
    assert main(["data", "synth", str(tmp_path / "corpus"), "--hours", "0.0005", "--clean"]) == 0
    assert "clips" in capsys.readouterr().out
    assert Corpus(tmp_path / "corpus").sequences
    assert main(["data", "synth", str(tmp_path / "other"), "--hours", "0"]) == 2


def test_brows_add_seeded_gestures_to_weights_and_vertices_alike(tmp_path):
    from lipwright.synthetic.brow_gestures import brow_gestures, brow_rng
    from lipwright.template import load_default_head

    make_corpus(tmp_path, hours=8 / 3600, voices=VOICES[:2], seed=3, brows=True)
    corpus, head = Corpus(tmp_path), load_default_head()
    brows = [ARKIT_INDEX[name] for name in ("browInnerUp", "browOuterUpLeft", "browDownLeft")]
    raised = 0
    for sequence in corpus.sequences:
        weights = np.load(tmp_path / "weights_npy" / f"{sequence.name}.npy")
        phones = json.loads((tmp_path / "phones" / f"{sequence.name}.json").read_text())
        assert phones["brows"] is True
        # The brows are the clip's own seeded draw, timed on its aligned phones.
        index = int(sequence.name.rsplit("_", 1)[1])
        drawn = brow_gestures(phones["phones"], len(weights), 30.0, head.target_names, brow_rng(3, index))
        np.testing.assert_allclose(weights[:, brows], drawn[:, brows], atol=1e-6)
        raised += weights[:, brows].max() > 0.1
        # The vertices move by the same weights: the brow region rises where the weights say.
        offsets = (sequence.vertices() - corpus.template(sequence.subject)).reshape(len(weights), -1, 3)
        np.testing.assert_allclose(offsets, np.einsum("fu,uvd->fvd", weights, head.targets), atol=2e-5)
    assert raised >= 1

