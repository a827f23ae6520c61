"""The batch's journal: one JSON line per finished line, so a re-run skips what is done and unchanged.

Appended and flushed to disk as each line finishes (after its outputs are in place), so a batch killed at
any moment loses at most the lines that were running. A torn last line (killed mid-write) is ignored.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .line import BatchLine


def journal_path_for(manifest: Path) -> Path:
    """The default journal: beside the manifest, named after it."""
    return manifest.with_name(f"{manifest.stem}.journal.jsonl")


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._done: set[str] = set()
        self._torn = False  # the last entry was cut off: the next one starts on a line of its own
        if self.path.is_file():
            text = self.path.read_text(encoding="utf-8", errors="replace")
            self._torn = bool(text) and not text.endswith("\n")
            for text in text.splitlines():
                try:
                    entry = json.loads(text)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict) and isinstance(entry.get("hash"), str):
                    self._done.add(entry["hash"])

    def is_done(self, line: BatchLine) -> bool:
        """Finished before with the same inputs, and every output still there."""
        return line.content_hash in self._done and all(path.is_file() for path in line.outputs.values())

    def record(self, line: BatchLine, seconds: float) -> None:
        entry = {"row": line.row, "hash": line.content_hash, "audio": str(line.audio),
                 "outputs": {name: str(path) for name, path in line.outputs.items()},
                 "seconds": round(seconds, 3), "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(("\n" if self._torn else "") + json.dumps(entry) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        self._torn = False
        self._done.add(line.content_hash)
