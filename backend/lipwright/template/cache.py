"""Keeps the prepared head in an npz under the user's cache folder, named so it rebuilds when the data or format changes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..files.atomic import atomic_writer
from ..geometry.mesh import MeshData
from .export import template_arrays
from .head_template import HeadTemplate

# Bump when the cut, the landmarks or the stored arrays change, so old caches are not reused.
FORMAT_VERSION = 1
CACHE_ENV = "LIPWRIGHT_CACHE_DIR"


def cache_dir() -> Path:
    """$LIPWRIGHT_CACHE_DIR, else $XDG_CACHE_HOME/lipwright, else ~/.cache/lipwright."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "lipwright"
    return Path.home() / ".cache" / "lipwright"


def cache_path(data_fingerprint: str, format_version: int = FORMAT_VERSION, folder: Path | None = None) -> Path:
    return (folder or cache_dir()) / f"default-head-v{format_version}-{data_fingerprint}.npz"


def save_template(template: HeadTemplate, path: Path, compressed: bool = False) -> None:
    """Writes to a temporary file beside `path`, then renames: readers never see half a file.
    compressed: deflate the arrays (the head shipped in the extension's zip; the user cache stays quick to load)."""
    arrays = template_arrays(template)
    arrays["lip_vertices"] = np.asarray(template.lip_vertices, dtype=np.int32)
    arrays["upper_face_vertices"] = np.asarray(template.upper_face_vertices, dtype=np.int32)
    arrays["part_names"] = np.array(tuple(template.parts), dtype=str)
    for name, indices in template.parts.items():
        arrays[f"part_{name}"] = np.asarray(indices, dtype=np.int32)
    with atomic_writer(path) as stream:
        (np.savez_compressed if compressed else np.savez)(stream, **arrays)


def load_template(path: Path) -> HeadTemplate:
    """Reads a file `save_template` wrote; raises OSError, KeyError or ValueError when it is damaged."""
    with np.load(path, allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    return HeadTemplate(
        mesh=MeshData(vertices=arrays["vertices"], faces_flat=arrays["faces_flat"], face_sizes=arrays["face_sizes"]),
        targets=arrays["targets"],
        target_names=tuple(str(name) for name in arrays["target_names"]),
        landmark_index={str(n): int(i) for n, i in zip(arrays["landmark_names"], arrays["landmark_index"])},
        lip_vertices=arrays["lip_vertices"],
        upper_face_vertices=arrays["upper_face_vertices"],
        parts={str(name): arrays[f"part_{name}"] for name in arrays["part_names"]},
    )
