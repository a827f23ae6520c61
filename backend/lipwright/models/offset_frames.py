"""Per-vertex offsets computed a few frames at a time from weights and targets, never whole in memory.

A 10-minute line at 30 fps on the default head is 18,000 × 4,821 × 3 float32, about 1 GB; the result
writer asks for it in chunks (`chunks`) and streams each into the file.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

CHUNK_BYTES = 32 * 1024 * 1024


class FrameBlocks:
    """Offsets (frames, vertices, 3) float32 made a block of frames at a time by `frames(start, stop)`; a subclass
    sets `shape` and defines `frames`. Acts enough like an array for small uses (np.asarray, indexing, len),
    which materialise it."""

    shape: tuple[int, int, int]
    dtype = np.dtype(np.float32)
    ndim = 3

    def frames(self, start: int, stop: int) -> np.ndarray:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.shape[0]

    def chunks(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[np.ndarray]:
        """All frames in order, a block of about `chunk_bytes` at a time."""
        rows = max(1, chunk_bytes // max(1, self.shape[1] * 12))
        for start in range(0, len(self), rows):
            yield self.frames(start, min(start + rows, len(self)))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self.frames(0, len(self))
        return whole if dtype is None else whole.astype(dtype)

    def __getitem__(self, key):
        return np.asarray(self)[key]


class OffsetFrames(FrameBlocks):
    """(frames, vertices, 3) float32 offsets = weights (frames, K) @ targets (K, vertices, 3), then
    `transform` (a linear map of (..., 3) displacements, e.g. a similarity onto the user's mesh)."""

    def __init__(self, weights: np.ndarray, targets: np.ndarray,
                 transform: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        self.targets = np.ascontiguousarray(targets, dtype=np.float32).reshape(len(targets), -1)
        self.vertex_count = self.targets.shape[1] // 3
        self.transform = transform
        self.shape = (len(self.weights), self.vertex_count, 3)
        self.nbytes = int(np.prod(self.shape)) * 4

    def frames(self, start: int, stop: int) -> np.ndarray:
        """Offsets of frames [start, stop) as a (stop - start, vertices, 3) float32 array."""
        block = (self.weights[start:stop] @ self.targets).reshape(-1, self.vertex_count, 3)
        if self.transform is not None:
            block = self.transform(block)
        return np.ascontiguousarray(block, dtype=np.float32)
