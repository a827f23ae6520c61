"""Per-frame phone classes: each frame gets the phone at its centre, frames no span covers are unknown,
and a corpus's classes travel with its clips through trimming, cutting into pieces and batching."""

import numpy as np
import pytest

from lipwright.datasets.corpus import Corpus
from lipwright.training.batches import collate
from lipwright.training.examples import Example, corpus_examples
from lipwright.training.phone_labels import PHONE_CLASSES, UNKNOWN, frame_phone_classes
from lipwright.training.recipe import cut

LABELS = ["SIL", "P", "AA1", "m", "T", "+NSN+", "IY0"]


def spans(rng: np.random.Generator) -> tuple[list, float]:
    """Random contiguous spans from a random start, as [label, start, end], and where they end."""
    time = float(rng.uniform(0, 0.3))
    result = []
    for _ in range(int(rng.integers(1, 12))):
        duration = float(rng.uniform(0.01, 0.4))
        result.append([LABELS[rng.integers(len(LABELS))], time, time + duration])
        time += duration
    return result, time


@pytest.mark.parametrize("seed", range(100))
def test_every_frame_gets_the_phone_at_its_centre(seed):
    rng = np.random.default_rng(seed)
    phones, end = spans(rng)
    fps = float(rng.choice([25.0, 30.0, 60.0]))
    frames = int(rng.integers(1, int(end * fps) + 20))
    labels = frame_phone_classes(phones, frames, fps)
    assert labels.shape == (frames,)
    for i, label in enumerate(labels):
        centre = (i + 0.5) / fps
        covering = [p for p in phones if p[1] <= centre < p[2]]
        if not covering:
            assert label == UNKNOWN
        else:
            expected = covering[0][0].upper().rstrip("0123456789")
            assert PHONE_CLASSES[label] == (expected if expected in PHONE_CLASSES else "SIL")


def test_a_synthetic_corpus_labels_its_frames_and_the_labels_follow_cuts_and_batches(tiny_corpus):
    corpus = Corpus(tiny_corpus)
    examples = corpus_examples(corpus, "train", "weights")
    # The corpus's timings, read once for every reader (training labels, eval's measures and plots).
    for example in examples:
        timings = corpus.phone_timings(example.name)
        assert timings and all(a < b for _, a, b in timings)
        assert np.array_equal(example.phones, frame_phone_classes(timings, len(example.phones), example.fps))
    assert corpus.phone_timings("no-such-clip") is None
    assert all(e.phones is not None and len(e.phones) == len(e.motion) for e in examples)
    heard = {PHONE_CLASSES[i] for e in examples for i in e.phones if i != UNKNOWN}
    assert "SIL" in heard and len(heard) >= 15, heard
    example = examples[0]
    pieces = cut(example, seconds=1.0)
    assert np.array_equal(np.concatenate([p.phones for p in pieces]), example.phones[:sum(len(p.motion) for p in pieces)])
    bare = Example("bare", example.subject, example.audio[:16000], example.motion[:30], example.fps)
    batch = collate([pieces[0], bare, pieces[1]], {example.subject: 0})
    assert batch.phones.shape == batch.frame_mask.shape
    assert (batch.phones[1] == UNKNOWN).all()
    for row, piece in ((0, pieces[0]), (2, pieces[1])):
        assert np.array_equal(batch.phones[row, :len(piece.motion)].numpy(), piece.phones)
        assert (batch.phones[row, len(piece.motion):] == UNKNOWN).all()
