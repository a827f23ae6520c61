"""The default model, needing no weights: pocketsphinx phones -> ARKit visemes -> offsets on a head.

Offsets are Σ weight × face-unit target on the MakeHuman template; on a user's mesh of the same
topology they are carried over by the similarity that maps the template onto that mesh.
"""

import time

import numpy as np

from .. import __version__
from ..audio.clip import AudioClip, frame_count
from ..audio.declip import clipping_warning
from ..audio.heard_line import heard_line
from ..audio.level_drift import steadied
from ..audio.loudness import frame_loudness
from ..errors import ModelError
from ..motion.arkit import ARKIT_NAMES
from ..motion.coarticulation import phones_to_weights
from ..motion.ending import ease_to_rest_at_end
from ..phones import Phone, phones_for_clip
from ..phones.heard_bilabials import HeardLips
from ..phones.room_tone import room_tone_warning
from ..phones.speech_presence import little_speech_warning
from ..phones.track import NETWORK_HEARD
from ..template import load_default_head
from .base import Animation, AnimationRequest, Progress, no_progress
from .head_offsets import rest_and_offsets
from .network_hearing import Heard, NetworkHearing, open_jaw_as_heard


def weights_for_phones(phones: list[Phone], clip: AudioClip, fps: float, frames: int | None = None) -> np.ndarray:
    """The rules' ARKit weights (frames, 52) for `phones` heard in `clip`: visemes with coarticulation,
    scaled by loudness, easing to rest at the end. `frames`: the line's frame count when `clip` is the line
    resampled (its length rounded to a sample of the new rate), else the clip's own."""
    frames = frame_count(clip.seconds, fps) if frames is None else frames
    weights = phones_to_weights(phones, fps, frames, frame_loudness(clip, fps, frames))
    return ease_to_rest_at_end(weights, fps)


class PhonemeModel:
    name = "phonemes"
    description = "Phones recognised (or aligned to a transcript) by pocketsphinx, turned into ARKit visemes with coarticulation. No weights needed."

    def __init__(self, device: str = "auto") -> None:
        self.device = "cpu"  # numpy only: the GPU would not help
        self.head = load_default_head()
        # What trained networks hear, each loaded on first use: their phone heads (numpy) weigh every
        # recognition's consonants; recognition "network" adds the hearing run's motion (torch).
        self.hearing = NetworkHearing(device)

    def animate(self, request: AnimationRequest, progress: Progress = no_progress) -> Animation:
        started = time.perf_counter()
        # Peaks cut flat buzz across the band, and a ground loop's tone in the pauses reads as sound, to every
        # step below; and every step reads levels against the whole line, which a long take's drift misleads.
        clip = steadied(heard_line(request.clip))

        progress(0.05, "aligning phones to the transcript" if request.transcript else "recognising phones")
        heard: list[Heard] = []  # what the networks heard, when recognition asks them (it needs torch)

        def hear(sound: AudioClip) -> HeardLips:  # the clip as recognition hears it (dereverberated)
            heard.append(self.hearing(sound, request.fps))
            return heard[-1].lips(request.fps)

        unheard: list[str] = []  # why the phone heads could not listen (a damaged install)

        def listen(sound: AudioClip) -> HeardLips | None:  # numpy only: every recognition mode
            if not self.hearing.phone_heads:  # switched off on purpose (score_epochs --no-heads): nothing to say
                return None
            try:
                return HeardLips([], *self.hearing.bilabials(sound))
            except ModelError as error:  # said once, however many subtitle cues are recognised
                warning = f"The recognised p, b and m were not checked by the shipped networks' phone heads: {error}"
                if warning not in unheard:
                    unheard.append(warning)
                return None

        track = phones_for_clip(clip, request.transcript, request.recognition, hear, listen)

        progress(0.7, "building visemes")
        # Frames from the line as given: resampled, its length may round across a frame's start.
        weights = weights_for_phones(track.phones, clip, request.fps, frame_count(request.clip.seconds, request.fps))
        if track.recognised_by == NETWORK_HEARD:
            weights = open_jaw_as_heard(weights, heard[-1].weights)
        warnings = [*track.warnings, *unheard]
        if clipped := clipping_warning(request.clip):
            warnings.append(clipped)
        if track.method == "recognised" and (speech_warning := little_speech_warning(clip, track.phones)):
            warnings.append(speech_warning)
        # Only where the user chose a phone search over a transcript: a transcript that did not fit has its own warning.
        if not request.transcript and track.recognised_by != NETWORK_HEARD and (noise := room_tone_warning(clip)):
            warnings.append(noise)

        progress(0.85, "shaping the face")
        rest, offsets = rest_and_offsets(self.head, weights, request, self.name)

        meta = {
            "model": self.name,
            "version": __version__,
            "audio_seconds": request.clip.seconds,
            "compute_seconds": time.perf_counter() - started,
            "device": self.device,
            "phone_method": track.method,
            "recognised_by": track.recognised_by,
            "warnings": warnings,
            "phones": [[p.label, round(p.start, 4), round(p.end, 4)] for p in track.phones],
        }
        return Animation(
            offsets=offsets,
            rest=rest,
            fps=request.fps,
            landmark_index=dict(self.head.landmark_index),
            weights=weights.astype(np.float32),
            weight_names=ARKIT_NAMES,
            meta=meta,
        )
