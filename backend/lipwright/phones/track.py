"""Choose how to find a clip's phones: align the transcript when there is one, else recognise."""

from __future__ import annotations

from ..audio.clip import AudioClip
from .align import AlignmentFailed, align_phones_with_warnings
from .align_cues import align_cues
from .phone import PhoneTrack
from .recognise import recognise_phones
from .subtitles import is_subtitles, parse_subtitles


def phones_for_clip(clip: AudioClip, transcript: str | None = None) -> PhoneTrack:
    """Aligned phones when `transcript` is given and fits the audio; recognised phones otherwise.

    `transcript` may be SRT or WebVTT subtitles, aligned cue by cue. A transcript without words raises
    TranscriptError (the user can fix it); one that does not fit the audio falls back to recognition
    with a warning."""
    if transcript is None or not transcript.strip():
        return PhoneTrack(recognise_phones(clip), "recognised")
    if is_subtitles(transcript):
        # SRT/VTT text: the cue times say where each part is spoken.
        phones, warnings, aligned = align_cues(clip, parse_subtitles(transcript))
        return PhoneTrack(phones, "aligned" if aligned else "recognised", warnings)
    try:
        phones, warnings = align_phones_with_warnings(clip, transcript)
        return PhoneTrack(phones, "aligned", warnings)
    except AlignmentFailed as error:
        warning = f"{error} Fell back to recognising phones from the audio alone, which is less accurate."
        return PhoneTrack(recognise_phones(clip), "recognised", [warning])
