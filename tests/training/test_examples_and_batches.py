"""Examples in both motion spaces from each kind of corpus, and padded batches with masks."""

import numpy as np
import pytest
import soundfile

from lipwright.datasets.corpus import Corpus
from lipwright.errors import LipwrightError
from lipwright.motion.arkit import ARKIT_INDEX
from lipwright.synthetic.corpus import make_corpus
from lipwright.synthetic.voices import Voice
from lipwright.training.batches import collate, speaker_index
from lipwright.training.examples import SAMPLE_RATE, corpus_examples, take_examples
from tests.datasets.fixtures import VERTICES, write_corpus, write_take

TRAIN = "FaceTalk_170728_03272_TA"
TEST = "FaceTalk_170809_00138_TA"


def test_vertex_space_examples_are_offsets_from_the_template_cut_to_the_audio(tmp_path):
    templates = write_corpus(tmp_path, {TRAIN: [f"{TRAIN}_sentence01"], TEST: [f"{TEST}_sentence30"]})
    corpus = Corpus(tmp_path, "vocaset")
    [example] = corpus_examples(corpus, "train", "vertices")
    assert example.motion.shape == (6, VERTICES * 3) and example.fps == 30.0
    stored = np.load(tmp_path / "vertices_npy" / f"{TRAIN}_sentence01.npy")
    np.testing.assert_allclose(example.motion[1], stored[2] - templates[TRAIN].ravel())
    assert len(example.audio) == 6 * SAMPLE_RATE // 30  # 0.5 s of audio, 0.2 s of motion: cut to 0.2 s
    with pytest.raises(LipwrightError, match="no ARKit weights"):
        corpus_examples(corpus, "train", "weights")
    with pytest.raises(LipwrightError, match="unknown motion space"):
        corpus_examples(corpus, "train", "blendshapes")


def test_weights_space_examples_from_a_synthetic_corpus_and_from_takes(tmp_path):
    make_corpus(tmp_path / "synth", hours=4 / 3600, voices=(Voice("flite", "awb"),), augmented=False)
    examples = corpus_examples(Corpus(tmp_path / "synth"), "train", "weights")
    assert examples and all(e.motion.shape[1] == 52 for e in examples)
    assert all(abs(len(e.audio) - len(e.motion) / 30 * SAMPLE_RATE) <= SAMPLE_RATE / 30 for e in examples)
    takes = tmp_path / "actor"
    takes.mkdir()
    write_take(takes / "take_1.csv")
    soundfile.write(str(takes / "take_1.wav"), 0.1 * np.sin(np.arange(40000) / 9), 16000)
    [take] = take_examples(takes)
    assert take.subject == "actor" and take.motion.shape == (60, 52)
    assert take.motion[-1, ARKIT_INDEX["jawOpen"]] == pytest.approx(118 / 119, abs=1e-4)


def test_a_batch_pads_audio_and_motion_and_marks_the_real_frames(tmp_path):
    write_corpus(tmp_path / "a", {TRAIN: [f"{TRAIN}_sentence01"]}, stored_frames=12)
    write_corpus(tmp_path / "b", {TRAIN: [f"{TRAIN}_sentence02"]}, stored_frames=8)
    examples = [*corpus_examples(Corpus(tmp_path / "a", "vocaset"), "train", "vertices"),
                *corpus_examples(Corpus(tmp_path / "b", "vocaset"), "train", "vertices")]
    unseen = examples[1].__class__("x", "someone_new", examples[1].audio, examples[1].motion, 30.0)
    speakers = speaker_index(examples)
    batch = collate([examples[0], unseen], speakers)
    assert batch.motion.shape == (2, 6, VERTICES * 3) and batch.frames == [6, 4]
    assert batch.frame_mask.tolist() == [[True] * 6, [True] * 4 + [False] * 2]
    assert batch.audio.shape == (2, 3200) and batch.audio[1, 2134:].abs().max() == 0
    assert float(batch.motion[1, 4:].abs().max()) == 0.0
    assert batch.speakers.tolist() == [0, -1]  # an unseen speaker gets the average style
