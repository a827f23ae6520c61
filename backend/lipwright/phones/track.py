"""Choose how to find a clip's phones: align the transcript when there is one, else recognise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..audio.band_extension import is_muffled
from ..audio.clip import AudioClip
from ..audio.dereverberate import dereverberated
from ..audio.pause_noises import without_pause_noises
from ..audio.vowel_openness import vowel_openness
from .align import AlignmentFailed, align_phones_with_warnings, align_words_with_warnings
from .align_cues import align_cues
from .closures import add_missed_closures
from .heard_bilabials import CONFIRM, KEEP, MUFFLED_CONFIRM, MUFFLED_KEEP, HeardLips, checked_by_networks
from .open_vowels import opened_as_heard
from .phone import Phone, PhoneTrack, merged_vowel_repeats
from .recognise import recognise_phones, recognise_words
from .subtitles import is_subtitles, parse_subtitles

# Without a transcript: "fast" recognises phones directly (allphone search, ~10x real time);
# "accurate" recognises words with the full English language model, aligns them as a transcript
# (~1-2x real time) and adds the p/b/m closures that only the phone search heard (the two searches
# miss different closures). Both hear 8 kHz-band audio with a mirrored upper band, and both have each
# recognised consonant the search confuses with p/b/m relabelled by what the shipped networks' phone
# heads hear, and a closure cut in wherever they hear one over a vowel (`hear_bilabials`, numpy:
# heard_bilabials.py), which took fast from 0.73 to 0.94 of p/b/m closed on voices none had heard
# (accurate 0.95, at ten times the time: fast is the default). "network" also adds the closures a trained
# network's motion seals (the caller brings it as `hear_closures`: it needs torch, so it is never the
# default; models/phonemes.py also opens the jaw as far as the network hears): 0.96 on the same voices.
# In every mode a recognised l, w, er or schwa that sounds open becomes the open vowel the search missed, and
# so does a vowel-length stretch of open, voiced sound in a silence or an l (open_vowels.py): open vowels
# opened 0.84 -> 0.91 in fast. Figures: benchmarks/RESULTS.md.
RECOGNITION_MODES = ("accurate", "fast", "network")
DEFAULT_RECOGNITION = "fast"
NETWORK_HEARD = "phones and network"  # PhoneTrack.recognised_by of recognition "network"
# What networks that heard the clip say of its lips: sealed spans, and p/b/m per frame when they can.
HearClosures = Callable[[AudioClip], HeardLips]
# How sure the networks' phone heads are of p/b/m at each frame (no sealed spans); None: they could not hear it.
HearBilabials = Callable[[AudioClip], HeardLips | None]


def phones_for_clip(clip: AudioClip, transcript: str | None = None, recognition: str = DEFAULT_RECOGNITION,
                    hear_closures: HearClosures | None = None,
                    hear_bilabials: HearBilabials | None = None) -> PhoneTrack:
    """Aligned phones when `transcript` is given and fits the audio; recognised phones otherwise.

    `transcript` may be SRT or WebVTT subtitles, aligned cue by cue. A transcript without words raises
    TranscriptError (the user can fix it); one that does not fit the audio falls back to recognition
    with a warning. Recognition "network" needs `hear_closures`; the other two weigh the consonants they
    recognise by `hear_bilabials` when it is given and hears the clip (it returns None when it cannot)."""
    if recognition not in RECOGNITION_MODES:
        raise ValueError(f"recognition must be one of {', '.join(RECOGNITION_MODES)}, got {recognition!r}")
    if recognition == "network" and hear_closures is None:
        raise ValueError("recognition 'network' needs hear_closures: what a network hears of the lips")
    if transcript is None or not transcript.strip():
        return _recognise(clip, recognition, hear_closures, hear_bilabials)
    if is_subtitles(transcript):
        # SRT/VTT text: the cue times say where each part is spoken.
        phones, warnings, aligned = align_cues(clip, parse_subtitles(transcript), _piece_recogniser(hear_bilabials))
        return PhoneTrack(phones, "aligned" if aligned else "recognised", warnings)
    try:
        phones, warnings = align_phones_with_warnings(clip, transcript)
        return PhoneTrack(phones, "aligned", warnings)
    except AlignmentFailed as error:
        warning = f"{error} Fell back to recognising phones from the audio alone, which is less accurate."
        track = _recognise(clip, recognition, hear_closures, hear_bilabials)
        return PhoneTrack(track.phones, track.method, [warning, *track.warnings], track.recognised_by)


def _recognise(clip: AudioClip, recognition: str, hear_closures: HearClosures | None,
               hear_bilabials: HearBilabials | None) -> PhoneTrack:
    # The searches (and accurate's alignment of the words they heard) and the networks hear the line with its
    # room's late reverberation taken out: a tail fills stop closures, and the phone search, trained on
    # close-talk speech, then hears t, d, k where p, b, m were (audio/dereverberate.py). Alignment to a given
    # transcript needs no such help (it closed 0.99-1.00 of p/b/m in the same rooms) and hears the line as it is.
    # They hear it with its inhales and mouth clicks brought down too: the phone search heard them as f, th, h or s,
    # or t or dh, moving the mouth in the pause, and misheard the phrase after (audio/pause_noises.py); an aligner
    # passes them by.
    clip = without_pause_noises(dereverberated(clip))
    openness = vowel_openness(clip)
    if recognition == "network":
        phones = _weighed(recognise_phones(clip), openness, hear_closures(clip), clip)
        return PhoneTrack(phones, "recognised", recognised_by=NETWORK_HEARD)
    heard = hear_bilabials(clip) if hear_bilabials is not None else None

    def weighed(phones: list[Phone]) -> list[Phone]:
        return _weighed(phones, openness, heard, clip)

    if recognition == "accurate":
        words = recognise_words(clip)
        if words:
            try:
                phones, warnings = align_words_with_warnings(clip, words)
                phones = add_missed_closures(phones, recognise_phones(clip), clip.seconds)
                return PhoneTrack(weighed(phones), "recognised", warnings, recognised_by="words")
            except AlignmentFailed:
                pass  # the recognised words did not align end to end: the phone search still can
    return PhoneTrack(weighed(recognise_phones(clip)), "recognised", recognised_by="phones")


def _weighed(phones: list[Phone], openness: np.ndarray, heard: HeardLips | None, clip: AudioClip) -> list[Phone]:
    """A search's `phones` in `clip` with the open vowels it narrowed opened by their sound, then weighed by the
    networks when they heard the line (more sparingly when it is muffled), and each vowel now beside one of its
    own label joined to it."""
    # Open vowels first: a closure the heads cut in over a vowel still cuts in over the opened one.
    phones = opened_as_heard(phones, openness)
    if heard is not None:
        sure = (MUFFLED_CONFIRM, MUFFLED_KEEP) if is_muffled(clip.samples, clip.sample_rate) else (CONFIRM, KEEP)
        phones = checked_by_networks(phones, heard, clip.seconds, *sure)
    return merged_vowel_repeats(phones)


def _piece_recogniser(hear_bilabials: HearBilabials | None) -> Callable[[AudioClip], list[Phone]]:
    """How a subtitle cue that does not fit its audio is recognised (its stretch already dereverberated): as
    `fast` recognition hears a line, inhales and clicks brought down, weighed by the phone heads too."""
    def recognise(sound: AudioClip) -> list[Phone]:
        sound = without_pause_noises(sound)
        heard = hear_bilabials(sound) if hear_bilabials is not None else None
        return _weighed(recognise_phones(sound), vowel_openness(sound), heard, sound)
    return recognise
