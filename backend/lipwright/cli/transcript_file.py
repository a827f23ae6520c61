"""Read `--transcript-file`: plain text, or SRT/WebVTT subtitles whose cue times guide alignment."""

from pathlib import Path

from ..errors import TranscriptError


def read_transcript_file(path: Path) -> str:
    """The file's text, as the transcript option carries it (subtitles stay subtitles: see phones.track)."""
    if not path.is_file():
        raise TranscriptError(f"no transcript file at {path}: check the path")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older subtitle tools write Windows-1252; every byte decodes, so accents survive.
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise TranscriptError(f"the transcript file {path.name} is empty; write the spoken line in it")
    return text
