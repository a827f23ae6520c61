"""Carries the template's motion (its 52 face units, or a model's per-frame vertex offsets) onto a character."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

from ..errors import MeshError
from .correspondence import Correspondence

# Frames carried at once: bounds the (3 Vchar, frames) intermediate to about 80 MB at 200,000 vertices.
_FRAMES_AT_ONCE = 32
# The last correspondence's matrix, so a model's frames carried a few at a time do not rebuild it.
_matrix_cache: dict[int, tuple[Correspondence, csr_matrix]] = {}


def transfer_offsets(offsets: np.ndarray, correspondence: Correspondence) -> np.ndarray:
    """offsets: (frames, Vtemplate, 3) or (Vtemplate, 3) template displacements -> (frames, Vchar, 3) or
    (Vchar, 3) float32 character displacements: each read at the character vertex's place on the fitted
    template, then turned and stretched into the character's own surface frame."""
    offsets = np.asarray(offsets, dtype=np.float32)
    if offsets.ndim not in (2, 3) or offsets.shape[-2:] != (correspondence.template_vertex_count, 3):
        raise MeshError(f"The offsets have shape {offsets.shape}, but this character was prepared against a "
                        f"template of {correspondence.template_vertex_count} vertices: (frames, "
                        f"{correspondence.template_vertex_count}, 3) is needed. Prepare the character for this model.")
    if offsets.ndim == 2:
        return transfer_offsets(offsets[None], correspondence)[0]
    matrix = transfer_matrix(correspondence)
    result = np.empty((len(offsets), correspondence.vertex_count, 3), dtype=np.float32)
    for start in range(0, len(offsets), _FRAMES_AT_ONCE):
        chunk = offsets[start:start + _FRAMES_AT_ONCE].reshape(-1, 3 * correspondence.template_vertex_count)
        result[start:start + _FRAMES_AT_ONCE] = (matrix @ np.ascontiguousarray(chunk.T)).T.reshape(len(chunk), -1, 3)
    return result


def transfer_matrix(correspondence: Correspondence) -> csr_matrix:
    """(3 Vchar, 3 Vtemplate) float32 sparse: flattened character displacements = matrix @ flattened template
    displacements. Row 3v+i, column 3t+j holds frames[v, i, j] times v's barycentric weight of corner t: the
    sampling and the surface frame in one product (a gather of every corner per frame cost five times more)."""
    known = _matrix_cache.get(id(correspondence))
    if known is not None and known[0] is correspondence:
        return known[1]
    count = correspondence.vertex_count
    values = np.einsum("vij,vc->vicj", correspondence.frames, correspondence.barycentric)  # (V, i, corner, j)
    rows = np.broadcast_to((3 * np.arange(count))[:, None, None, None] + np.arange(3)[None, :, None, None],
                           values.shape)
    columns = np.broadcast_to(3 * correspondence.corners.astype(np.int64)[:, None, :, None]
                              + np.arange(3)[None, None, None, :], values.shape)
    kept = values != 0.0  # vertices far from the face have zero frames
    matrix = csr_matrix((values[kept].astype(np.float32), (rows[kept], columns[kept])),
                        shape=(3 * count, 3 * correspondence.template_vertex_count))
    _matrix_cache.clear()
    _matrix_cache[id(correspondence)] = (correspondence, matrix)
    return matrix


def transfer_targets(targets: np.ndarray, correspondence: Correspondence) -> np.ndarray:
    """targets: (units, Vtemplate, 3) face units at weight 1 -> (units, Vchar, 3) float32 shape-key offsets."""
    return transfer_offsets(targets, correspondence)
