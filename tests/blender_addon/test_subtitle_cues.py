"""The add-on's standard-library subtitle reader (blender_addon/subtitle_cues.py) and the backend's (the
srt and webvtt-py libraries, lipwright.phones.subtitles) read the same cues from generated SRT and WebVTT
files: times, and the spoken words left after markup, sound descriptions and speaker labels."""

import random

import pytest

from lipwright.phones.subtitles import parse_subtitles
from tests.blender_addon.conftest import pure_module  # the add-on's standard-library modules, without Blender

addon_cues = pure_module("subtitle_cues")
WORDS = ["Bob", "made", "a", "map", "of", "the", "moon", "we", "ate", "apples", "by", "sea", "café", "naïve"]
EXTRAS = ["<i>{}</i>", "[door slams] {}", "{} (laughs)", "BOB: {}", "- {}", "♪ {} ♪", "<v Ann>{}", "{{\\an8}}{}"]


def stamp(seconds: float, comma: bool, short: bool) -> str:
    hours, rest = divmod(round(seconds * 1000), 3600_000)
    minutes, rest = divmod(rest, 60_000)
    text = f"{minutes:02d}:{rest // 1000:02d}{',' if comma else '.'}{rest % 1000:03d}"
    return text if short and not hours else f"{hours:02d}:{text}"


def generated(seed: int, vtt: bool) -> str:
    rng = random.Random(seed)
    blocks, time = (["WEBVTT", "NOTE made by a test\nover two lines"] if vtt else []), rng.uniform(0, 5)
    for index in range(rng.randint(1, 12)):
        start, time = time, time + rng.uniform(0.3, 4.0)
        lines = [rng.choice(EXTRAS).format(" ".join(rng.choices(WORDS, k=rng.randint(1, 6))))
                 for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.1:
            lines = ["[music]"]  # no spoken words: not a cue
        timing = f"{stamp(start, not vtt, vtt and rng.random() < 0.5)} --> {stamp(time, not vtt, False)}"
        if vtt:
            header = ([f"cue-{index}"] if rng.random() < 0.5 else []) + [timing + (" align:start" if rng.random() < 0.3 else "")]
        else:
            header = [str(index + 1), timing]
        blocks.append("\n".join(header + lines))
        time += rng.uniform(0, 1)
    return ("\r\n" if rng.random() < 0.3 else "\n").join("\n\n".join(blocks).split("\n")) + "\n"


@pytest.mark.parametrize("vtt", [False, True])
@pytest.mark.parametrize("seed", range(15))
def test_both_readers_find_the_same_cues(seed, vtt):
    text = generated(seed, vtt)
    ours = addon_cues.parse_cues(text)
    theirs = [cue for cue in _backend(text)]
    assert [(round(c.start, 3), round(c.end, 3), c.text) for c in ours] == \
           [(round(c.start, 3), round(c.end, 3), c.text) for c in theirs]


def _backend(text):
    from lipwright.errors import TranscriptError

    try:
        return parse_subtitles(text)
    except TranscriptError:  # no spoken words at all: the add-on finds no cue either
        return []


def test_a_bad_timing_line_is_named():
    with pytest.raises(addon_cues.SubtitleError, match="00:01 --> later"):
        addon_cues.parse_cues("1\n00:01 --> later\nHello\n")


def test_each_cue_goes_to_the_strip_it_overlaps_most():
    cues = addon_cues.parse_cues("1\n00:00:00,000 --> 00:00:01,000\nOne\n\n2\n00:00:00,900 --> 00:00:02,000\nTwo\n\n"
                                 "3\n00:00:09,000 --> 00:00:10,000\nNobody\n")
    matched = addon_cues.match_cues(cues, {"A": (0.0, 1.2), "B": (1.0, 2.5)})
    assert matched.transcripts == {"A": "One", "B": "Two"} and [c.text for c in matched.unmatched] == ["Nobody"]
