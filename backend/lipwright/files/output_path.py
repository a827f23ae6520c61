"""Checks that an output can be written before any work starts, with one line that says what to do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..errors import LipwrightError
from .atomic import temporary_path_beside


class OutputError(LipwrightError):
    """The output path cannot be written (a folder, a file as parent, read-only, or one of the inputs)."""


def check_output_path(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), what: str = "output") -> Path:
    """Raises OutputError unless `path` can be written (creating its missing folders) without replacing
    one of `inputs`; returns the path. Probes by creating and removing a file beside it, which also
    catches read-only filesystems."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"the {what} {path} is a folder: give a file name, e.g. {path / 'line.npz'}")
    for source in inputs:
        if _same_file(path, Path(source)):
            raise OutputError(f"the {what} {path} is also an input ({source}) and would be replaced: "
                              "write to another file name")
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: {folder} is a file, not a folder; choose another {what} path")
    if folder == path.parent:
        probe = temporary_path_beside(path)
        try:
            probe.open("xb").close()
            probe.unlink()
        except OSError as error:
            raise OutputError(f"cannot write to the folder {folder} ({error.strerror or error}): "
                              f"choose a writable {what} location") from None
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot create folders in {folder}: it is read-only; choose a writable {what} location")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()
