"""The two pocketsphinx decoders (phone recogniser, aligner), built once per process and shared."""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np
import soxr

from ..audio.band_extension import fold_into_upper_band, is_narrowband
from ..audio.clip import AudioClip
from ..audio.level import levelled

DECODER_RATE = 16000
_MODEL_FOLDER = "en-us"


class SharedDecoder:
    """A decoder with the lock that must be held while using it: pocketsphinx decoders carry
    per-utterance state, so two jobs at once on one decoder would corrupt both."""

    def __init__(self, decoder) -> None:
        self.decoder = decoder
        self.lock = threading.Lock()
        # Seconds per pocketsphinx frame (10 ms with the shipped model's settings).
        self.frame_seconds = 1.0 / float(decoder.config["frate"])


def _model_path(*parts: str) -> str:
    from pocketsphinx import get_model_path

    return os.path.join(get_model_path(), *parts)


def phone_search_settings() -> dict:
    """The allphone search's decoder settings: the shipped phone language model, CMU's advised beams."""
    return dict(
        allphone=_model_path(_MODEL_FOLDER, "en-us-phone.lm.bin"),
        lm=None,
        dict=None,  # phones need no word dictionary; loading the CMU one took 0.35 s of every start
        lw=2.0,
        beam=1e-20,
        pbeam=1e-20,
        loglevel="FATAL",
    )


@lru_cache(maxsize=1)
def phone_recogniser() -> SharedDecoder:
    """Allphone search with phone_search_settings()."""
    from pocketsphinx import Decoder

    return SharedDecoder(Decoder(**phone_search_settings()))


@lru_cache(maxsize=1)
def aligner() -> SharedDecoder:
    """Forced aligner over the shipped CMU dictionary.

    The default beams lose the path on fast synthetic voices ("Final result does not match the
    grammar"); wide beams and the plain Viterbi path (no lattice best-path pass, which can prefer
    all-silence) align them, at about 3 ms of compute per second of audio more."""
    from pocketsphinx import Decoder

    decoder = Decoder(lm=None, beam=1e-80, pbeam=1e-80, wbeam=1e-60, bestpath=False, loglevel="FATAL")
    return SharedDecoder(decoder)


@lru_cache(maxsize=1)
def word_recogniser() -> SharedDecoder:
    """Word search with the shipped full English language model (en-us.lm.bin, the default).

    The decoder's own defaults: they decode at about 1-2x real time on one core. Narrower beams
    (1e-40, a cap on active HMMs) ran twice as fast but closed 0.64 instead of 0.79 of p/b/m on
    held-out voices (benchmarks/bench_lipsync.py); without the second pass the words turn to noise.
    Wrong words still carry mostly the right phones: they are aligned afterwards as a transcript."""
    from pocketsphinx import Decoder

    decoder = Decoder(loglevel="FATAL")
    return SharedDecoder(decoder)


def start_utterance(decoder) -> None:
    """start_utt with a fresh front end (0.1 ms): its noise estimate (remove_noise) carries over
    from the last utterance, so the same clip decoded twice in a row came out differently (an n
    heard as m) and a result depended on what the process had decoded before."""
    decoder.reinit_feat()
    decoder.start_utt()


DITHER_LEVEL = 1e-4


def pcm16(clip: AudioClip, widen_narrowband: bool = False) -> bytes:
    """The clip as 16 kHz little-endian 16-bit PCM, what the shipped acoustic model was trained on.

    widen_narrowband: give 8 kHz-band speech an upper band (lipwright.audio.band_extension); the
    recognisers need it, the aligner (already closing every p/b/m) is left as it was measured."""
    clip = levelled(clip)  # a quiet recording raised to the level the acoustic model was trained at
    samples = clip.samples
    if clip.sample_rate != DECODER_RATE:
        samples = soxr.resample(samples, clip.sample_rate, DECODER_RATE)
    if widen_narrowband and (clip.sample_rate <= 8000 or is_narrowband(samples, DECODER_RATE)):
        samples = fold_into_upper_band(samples)
    # Digital silence (runs of exact zeros, as synthesisers and editors write) breaks the decoder's
    # log-energy features: recognition turns to noise and alignment fails. A fixed, seeded dither at
    # about -80 dBFS, far below any recording's noise floor, keeps the features finite.
    dither = np.random.default_rng(0).normal(scale=DITHER_LEVEL, size=samples.shape)
    return (np.clip(samples + dither, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
