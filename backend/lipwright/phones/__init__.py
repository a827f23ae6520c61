"""Speech to phones: pocketsphinx recognition, or alignment to a transcript."""

from .align import AlignmentFailed, align_phones
from .phone import SILENCE, Phone, PhoneTrack, fill_timeline
from .recognise import recognise_phones
from .track import phones_for_clip

__all__ = [
    "AlignmentFailed", "Phone", "PhoneTrack", "SILENCE", "align_phones", "fill_timeline",
    "phones_for_clip", "recognise_phones",
]
