"""Fixtures shared across test folders: the tiny synthetic corpus the neural models train on.
(This file is loaded for tests/blender too, whose Blender Pythons lack the backend: import inside.)"""

import pytest


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory):
    """A synthetic corpus of three clips (about 20 s) in two voices, made once per test session; all
    its clips fall in the training split."""
    from lipwright.synthetic.corpus import make_corpus
    from lipwright.synthetic.voices import Voice

    folder = tmp_path_factory.mktemp("tiny-corpus")
    make_corpus(folder, hours=12 / 3600, voices=(Voice("flite", "awb"), Voice("espeak-ng", "en-gb")),
                augmented=False)
    return folder
