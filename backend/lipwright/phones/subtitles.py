"""Subtitles as transcripts: SubRip (srt) and WebVTT text become timed cues of spoken words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import TranscriptError

# An SRT cue's timing line, or a VTT file's signature: enough to tell subtitles from plain text.
_SRT_TIMING = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->", re.MULTILINE)
_MARKUP = re.compile(r"<[^>]*>|\{[^}]*\}")  # <i>, <v Bob>, <00:01.000>, {\an8}
# Sound descriptions and speaker names are read by nobody: '[door slams]', '(laughs)', '♪', 'BOB:'.
_NOT_SPOKEN = re.compile(r"\[[^\]]*\]|\([^)]*\)|[♪♫]|^\s*[-–]\s*|^\s*[A-Z][A-Z .'-]*:\s*", re.MULTILINE)


@dataclass(frozen=True)
class Cue:
    """What is said between `start` and `end` seconds."""

    start: float
    end: float
    text: str


def is_subtitles(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("WEBVTT") or bool(_SRT_TIMING.search(text))


def parse_subtitles(text: str) -> list[Cue]:
    """The cues of SRT or WebVTT `text` that hold spoken words, in time order.

    Raises TranscriptError naming the problem when the subtitles cannot be read."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if text.lstrip().startswith("WEBVTT"):
        cues = _parse_webvtt(text)
    else:
        cues = _parse_srt(text)
    spoken = [Cue(cue.start, cue.end, words) for cue in cues if (words := spoken_text(cue.text))]
    if not spoken:
        raise TranscriptError("The subtitles hold no spoken words (only sound descriptions or empty cues).")
    return sorted(spoken, key=lambda cue: cue.start)


def spoken_text(cue_text: str) -> str:
    """A cue's words without markup, sound descriptions or speaker names."""
    return " ".join(_NOT_SPOKEN.sub(" ", _MARKUP.sub("", cue_text)).split())


def plain_text(cues: list[Cue]) -> str:
    return " ".join(cue.text for cue in cues)


def _parse_srt(text: str) -> list[Cue]:
    import srt

    try:
        return [Cue(item.start.total_seconds(), item.end.total_seconds(), item.content) for item in srt.parse(text)]
    except srt.SRTParseError as error:
        raise TranscriptError(f"The SRT subtitles could not be read ({error}); check the file.") from None


def _parse_webvtt(text: str) -> list[Cue]:
    import webvtt

    try:
        captions = webvtt.from_string(text)
    except (webvtt.errors.MalformedFileError, ValueError) as error:
        raise TranscriptError(f"The WebVTT subtitles could not be read ({error}); check the file.") from None
    return [Cue(_seconds(caption.start), _seconds(caption.end), caption.text) for caption in captions]


def _seconds(stamp: str) -> float:
    """'01:02.500' or '00:01:02.500' -> 62.5."""
    parts = [float(part) for part in stamp.replace(",", ".").split(":")]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds
