"""A line's content hash: what its bake depends on (audio as heard, transcript, model and job options, bake
mode, character), so that Bake All can skip a line whose inputs have not changed since its bake.

The line's controls (intensity, smoothing...) are not in it: they are re-applied from the stored result
without the model."""

import hashlib
import json

import numpy as np

from . import face_mapping


def character_fingerprint(obj, mode: str, key_names, mesh=None, correspondence=None) -> bytes:
    """What of the character a bake reads: for ARKit keys the keys the mapping drives (and how), for basis
    keys the rest mesh the offsets are computed on and, for a prepared character, the correspondence that
    carries them there (a new fit changes the line)."""
    if mode == "BASIS" and mesh is not None:
        return b"".join(np.ascontiguousarray(array).tobytes()
                        for array in (mesh.vertices, mesh.faces_flat, mesh.face_sizes)) + bytes(correspondence or b"")
    rows = sorted((row.source, row.target, round(float(row.weight), 6))
                  for row in face_mapping.rows_for(obj, key_names))
    return json.dumps(rows).encode("utf-8")


def content_hash(audio: bytes, options: dict, mode: str, character: bytes) -> str:
    """A hex digest of everything a line's bake depends on (see the module docstring). The seed is left
    out: a variation the animator picked (Generate Variations) stays the line's until its inputs change."""
    options = {name: value for name, value in options.items() if name != "seed"}
    digest = hashlib.sha256()
    # The object's name is not in it: a line is looked for on the character the cast gives it now, and a
    # renamed character says its lines the same way.
    for part in (audio, json.dumps(options, sort_keys=True).encode("utf-8"), mode.encode("utf-8"), character):
        digest.update(hashlib.sha256(part).digest())  # each part hashed alone: no two splits collide
    return digest.hexdigest()
