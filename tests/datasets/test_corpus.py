"""The VOCASET and BIWI readers on small corpora written in the field's preprocessed layout."""

import os
import pickle

import numpy as np
import pytest

from lipwright.datasets.corpus import Corpus
from lipwright.datasets.safe_pickle import UnsafePickle, load_arrays_pickle
from lipwright.datasets.splits import BIWI, VOCASET
from lipwright.errors import LipwrightError
from tests.datasets.fixtures import VERTICES, write_corpus

def test_vocaset_splits_by_subject_and_sentence_and_halves_the_60_fps_frames(tmp_path):
    train, val, test = "FaceTalk_170728_03272_TA", "FaceTalk_170811_03275_TA", "FaceTalk_170809_00138_TA"
    templates = write_corpus(tmp_path, {
        train: [f"{train}_sentence01", f"{train}_sentence40"],
        val: [f"{val}_sentence05", f"{val}_sentence21"],
        test: [f"{test}_sentence22"],
    })
    corpus = Corpus(tmp_path, "vocaset")
    assert corpus.fps == 30.0
    assert [s.name for s in corpus.split("train")] == [f"{train}_sentence01", f"{train}_sentence40"]
    assert [s.name for s in corpus.split("val")] == [f"{val}_sentence21"]  # val uses sentences 21-40
    assert [s.sentence for s in corpus.split("test")] == [22]
    vertices = corpus.split("test")[0].vertices()
    assert vertices.shape == (6, VERTICES, 3)  # 12 stored frames at 60 fps -> 6 at 30 fps
    assert vertices[1, 0, 0] == 2 * VERTICES * 3  # the second frame kept is the third stored
    np.testing.assert_array_equal(corpus.template(test), templates[test])
    assert corpus.split("train")[0].audio().sample_rate == 16000


def test_biwi_keeps_every_frame_and_splits_by_sentence(tmp_path):
    write_corpus(tmp_path, {"F2": ["F2_e01", "F2_e33", "F2_e37"], "M3": ["M3_e40"], "F1": ["F1_e38"]})
    corpus = Corpus(tmp_path, BIWI)
    assert corpus.fps == 25.0
    assert [s.name for s in corpus.split("train")] == ["F2_e01"]
    assert [s.name for s in corpus.split("val")] == ["F2_e33"]
    assert [s.name for s in corpus.split("test")] == ["F2_e37", "M3_e40"]  # F1 is not in Test-A
    assert corpus.split("test")[0].vertices().shape == (12, VERTICES, 3)


def test_a_wav_without_vertices_is_skipped_and_a_missing_folder_is_named(tmp_path):
    write_corpus(tmp_path / "data", {"F2": ["F2_e01", "F2_e02"]})
    os.remove(tmp_path / "data" / "vertices_npy" / "F2_e02.npy")
    assert [s.name for s in Corpus(tmp_path / "data", BIWI).sequences] == ["F2_e01"]
    with pytest.raises(LipwrightError, match="has no wav"):
        Corpus(tmp_path, VOCASET)
    with pytest.raises(LipwrightError, match="no split 'dev'"):
        Corpus(tmp_path / "data", BIWI).split("dev")
    with pytest.raises(LipwrightError, match="no regions/lve.txt"):
        Corpus(tmp_path / "data", BIWI).region("lve")


def test_metric_regions_are_read_as_codetalker_writes_them(tmp_path):
    write_corpus(tmp_path, {"F2": ["F2_e01"]})
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "lve.txt").write_text("3, 5, 6")
    (tmp_path / "regions" / "fdd.txt").write_text("0 1\n2")
    corpus = Corpus(tmp_path, BIWI)
    assert corpus.region("lve").tolist() == [3, 5, 6] and corpus.region("fdd").tolist() == [0, 1, 2]


class _RunsACommand:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_templates_pickle_refuses_anything_but_arrays(tmp_path):
    path = tmp_path / "templates.pkl"
    path.write_bytes(pickle.dumps({"F2": _RunsACommand()}))
    with pytest.raises(UnsafePickle, match="system"):
        load_arrays_pickle(path)


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_templates_pickle_reads_arrays_in_any_protocol(tmp_path, protocol):
    path = tmp_path / "templates.pkl"
    mesh = np.arange(12, dtype=np.float64).reshape(4, 3)
    path.write_bytes(pickle.dumps({"F2": mesh, "M3": mesh.ravel()}, protocol=protocol))
    loaded = load_arrays_pickle(path)
    assert set(loaded) == {"F2", "M3"}
    np.testing.assert_array_equal(loaded["M3"], mesh)
    assert loaded["F2"].dtype == np.float32
