"""Offsets computed chunk by chunk and streamed into the result equal the whole product."""

import io

import numpy as np

from lipwright import wire
from lipwright.geometry.similarity import Similarity
from lipwright.models.offset_frames import OffsetFrames


def test_chunks_equal_the_whole_product_with_the_mapping():
    rng = np.random.default_rng(3)
    weights = rng.uniform(size=(101, 52)).astype(np.float32)
    targets = rng.normal(size=(52, 40, 3)).astype(np.float32)
    turn = Similarity(scale=2.0, rotation=np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]], float),
                      translation=np.zeros(3))
    lazy = OffsetFrames(weights, targets, turn.map_offsets)
    whole = turn.map_offsets(np.einsum("fk,kvc->fvc", weights, targets))
    chunks = list(lazy.chunks(chunk_bytes=7 * 40 * 12))
    assert [len(c) for c in chunks[:2]] == [7, 7] and sum(len(c) for c in chunks) == 101
    np.testing.assert_allclose(np.concatenate(chunks), whole, rtol=1e-5, atol=1e-5)
    assert lazy.shape == (101, 40, 3) and np.asarray(lazy).dtype == np.float32


def test_a_streamed_result_reads_back_like_a_whole_one():
    rng = np.random.default_rng(4)
    weights = rng.uniform(size=(30, 52)).astype(np.float32)
    targets = rng.normal(size=(52, 9, 3)).astype(np.float32)
    args = (np.zeros((9, 3), np.float32), 24.0, {"chin": 3}, {"model": "x"})
    names = [f"w{i}" for i in range(52)]
    streamed = io.BytesIO()
    wire.write_result(streamed, OffsetFrames(weights, targets), *args, weights=weights, weight_names=names)
    whole = wire.encode_result(np.asarray(OffsetFrames(weights, targets)), *args, weights=weights, weight_names=names)
    a, b = wire.decode_result(streamed.getvalue()), wire.decode_result(whole)
    np.testing.assert_array_equal(a["offsets"], b["offsets"])
    assert a["meta"] == b["meta"] and a["landmarks"] == {"chin": 3} and a["weight_names"] == names
    with np.load(io.BytesIO(streamed.getvalue()), allow_pickle=False) as npz:  # the README's plain reader
        assert npz["offsets"].shape == (30, 9, 3)
