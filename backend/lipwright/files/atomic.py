"""Files written whole or not at all: a temporary file beside the target, renamed onto it on success.

A full disk, a crash or a kill mid-write leaves the old file (or none), never half a file; the
temporary file sits in the target's own folder so the rename stays on one filesystem and relative
paths inside a .blend stay right.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


def temporary_path_beside(path: Path) -> Path:
    """A name that does not exist yet, in `path`'s folder, hidden, with the same suffix (writers such as
    matplotlib and Blender choose the format from it)."""
    path = Path(path)
    return path.with_name(f".{path.stem}.{secrets.token_hex(4)}.partial{path.suffix}")


@contextmanager
def replaced_on_success(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a fresh path beside `path` for a writer we do not control (Blender, matplotlib); when the
    block ends without error that file replaces `path`, otherwise it is removed and `path` is untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path_beside(path)
    try:
        yield temporary
        if not temporary.is_file():
            raise FileNotFoundError(f"nothing was written to {temporary} for {path}")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
        # Blender saves to NAME@ and renames it: a Blender killed mid-save leaves that one behind.
        temporary.with_name(temporary.name + "@").unlink(missing_ok=True)


@contextmanager
def atomic_writer(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary file to write into; on success it is flushed to disk and renamed onto `path`."""
    with replaced_on_success(path) as temporary:
        with open(temporary, "xb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())


def write_bytes_atomically(path: str | os.PathLike, data: bytes) -> None:
    with atomic_writer(path) as stream:
        stream.write(data)


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    write_bytes_atomically(path, text.encode("utf-8"))
