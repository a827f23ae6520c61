"""parse_subtitles: SRT and WebVTT become cues of spoken words; plain text is not taken for subtitles."""

import pytest

from lipwright.errors import TranscriptError
from lipwright.phones.subtitles import Cue, is_subtitles, parse_subtitles

SRT = """1
00:00:01,250 --> 00:00:03,500
<i>Hello there,</i>
BOB: my friend.

2
00:00:04,000 --> 00:00:05,750
[door slams]

3
00:00:06,000 --> 00:00:07,125
- (laughs) Yes, $5 please.
"""

VTT = """WEBVTT

NOTE made by hand

00:00:01.250 --> 00:00:03.500
<v Bob>Hello <i>there</i>, my friend.

intro
00:06.000 --> 00:07.125 align:start
♪ Yes, $5 please. ♪
"""


def test_srt_cues_keep_only_spoken_words():
    assert parse_subtitles(SRT) == [Cue(1.25, 3.5, "Hello there, my friend."), Cue(6.0, 7.125, "Yes, $5 please.")]


def test_webvtt_cues_keep_only_spoken_words():
    assert parse_subtitles("\ufeff" + VTT) == [Cue(1.25, 3.5, "Hello there, my friend."), Cue(6.0, 7.125, "Yes, $5 please.")]


def test_subtitles_are_told_from_plain_text():
    assert is_subtitles(SRT) and is_subtitles(VTT) and is_subtitles(SRT.replace("\n", "\r\n"))
    assert not is_subtitles("Meet me at 10:30 - or 11:00 - by the door.\n1\nthing")


def test_subtitles_without_words_are_refused():
    with pytest.raises(TranscriptError, match="no spoken words"):
        parse_subtitles("1\n00:00:01,000 --> 00:00:02,000\n[music]\n")
