"""Read SRT and WebVTT subtitles into timed cues (standard library only), and give each cue to the sound
strip it overlaps most, so one subtitle file transcribes a whole dialogue scene.

The add-on may import only bpy, numpy and the standard library, and this must work before any backend
runs, so the few rules of the two formats are read here; tests/blender_addon/test_subtitle_cues.py checks that this
reader and the backend's (the `srt` and `webvtt-py` libraries) agree on the same files. Cue text is cleaned
as the backend cleans it: markup, sound descriptions ('[door slams]', '(laughs)', '♪') and speaker labels
('BOB:') are not spoken.
"""

import re
from dataclasses import dataclass, field

_TIMING = re.compile(r"^\s*((?:\d+:)?\d{1,2}:\d{2}[,.]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[,.]\d{1,3})")
_MARKUP = re.compile(r"<[^>]*>|\{[^}]*\}")
_NOT_SPOKEN = re.compile(r"\[[^\]]*\]|\([^)]*\)|[♪♫]|^\s*[-–]\s*|^\s*[A-Z][A-Z .'-]*:\s*", re.MULTILINE)


class SubtitleError(ValueError):
    """The subtitle file cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class Cue:
    start: float  # seconds from the scene's first frame
    end: float
    text: str


def seconds(stamp: str) -> float:
    """'01:02.500', '00:01:02,500' -> 62.5."""
    total = 0.0
    for part in stamp.replace(",", ".").split(":"):
        total = total * 60 + float(part)
    return total


def spoken_text(text: str) -> str:
    return " ".join(_NOT_SPOKEN.sub(" ", _MARKUP.sub("", text)).split())


def parse_cues(text: str) -> list:
    """The cues of SRT or WebVTT text that hold spoken words, in time order. A block without a timing line
    (the WEBVTT header, NOTE, STYLE, REGION) is not a cue."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    cues = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        match = _TIMING.match(lines[timing])
        if match is None:
            raise SubtitleError(f"the timing line '{lines[timing].strip()}' is not 'HH:MM:SS,mmm --> HH:MM:SS,mmm'; "
                                "check the subtitle file")
        start, end = seconds(match.group(1)), seconds(match.group(2))
        words = spoken_text("\n".join(lines[timing + 1:]))
        if words and end > start:
            cues.append(Cue(start, end, words))
    return sorted(cues, key=lambda cue: cue.start)


def read_cues(path: str) -> list:
    """The spoken cues of the subtitle file at `path`."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise SubtitleError(f"cannot read the subtitle file '{path}' ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # older subtitle tools write Windows-1252
    cues = parse_cues(text)
    if not cues:
        raise SubtitleError(f"'{path}' holds no subtitle cues with spoken words; choose an SRT or WebVTT file")
    return cues


@dataclass
class CueMatch:
    transcripts: dict = field(default_factory=dict)  # strip name -> the words of its cues, in time order
    unmatched: list = field(default_factory=list)    # cues that overlap no strip


def match_cues(cues: list, spans: dict) -> CueMatch:
    """Give each cue to the strip whose span {name: (start s, end s)} it overlaps most."""
    matched = CueMatch()
    given = {}
    for cue in cues:
        overlaps = {name: min(cue.end, end) - max(cue.start, start) for name, (start, end) in spans.items()}
        best = max(overlaps, key=overlaps.get, default=None)
        if best is None or overlaps[best] <= 0:
            matched.unmatched.append(cue)
            continue
        given.setdefault(best, []).append(cue.text)
    matched.transcripts = {name: " ".join(texts) for name, texts in given.items()}
    return matched
