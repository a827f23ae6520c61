"""A line's content hash changes with each input its bake depends on, and only with those."""

from types import SimpleNamespace

import numpy as np

from tests.blender_addon.conftest import pure_module

line_hash = pure_module("line_hash")
AUDIO = b"RIFF....WAVEfmt speech"
OPTIONS = {"model": "phonemes", "fps": 24.0, "transcript": "Bob made a map."}


def test_each_input_changes_the_hash_and_the_seed_does_not():
    base = line_hash.content_hash(AUDIO, OPTIONS, "ARKIT", b"keys")
    assert base == line_hash.content_hash(AUDIO, dict(reversed(OPTIONS.items())), "ARKIT", b"keys")
    assert base == line_hash.content_hash(AUDIO, OPTIONS | {"seed": 7}, "ARKIT", b"keys")
    changed = [
        line_hash.content_hash(AUDIO + b"!", OPTIONS, "ARKIT", b"keys"),
        line_hash.content_hash(AUDIO, OPTIONS | {"transcript": "Bob made a mop."}, "ARKIT", b"keys"),
        line_hash.content_hash(AUDIO, OPTIONS | {"model": "jambatalk"}, "ARKIT", b"keys"),
        line_hash.content_hash(AUDIO, OPTIONS | {"speaker": "F1"}, "ARKIT", b"keys"),
        line_hash.content_hash(AUDIO, OPTIONS, "BASIS", b"keys"),
        line_hash.content_hash(AUDIO, OPTIONS, "ARKIT", b"other keys"),
        line_hash.content_hash(AUDIO[:-1], OPTIONS, "ARKIT", b"s" + b"keys"),  # the same bytes split otherwise
    ]
    assert base not in changed and len(set(changed)) == len(changed)


def test_a_basis_character_is_its_rest_mesh():
    mesh = SimpleNamespace(vertices=np.zeros((3, 3), np.float32), faces_flat=np.arange(3, dtype=np.int32),
                           face_sizes=np.array([3], np.int32))
    moved = SimpleNamespace(**{**vars(mesh), "vertices": np.ones((3, 3), np.float32)})
    fingerprint = line_hash.character_fingerprint
    assert fingerprint(None, "BASIS", [], mesh) != fingerprint(None, "BASIS", [], moved)
