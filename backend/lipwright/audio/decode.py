"""Decode audio bytes or files into a mono float32 AudioClip at the rate the pipeline wants."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import soundfile
import soxr

from ..errors import AudioError
from .clip import AudioClip

SUPPORTED_FORMATS = "WAV, FLAC, OGG (Vorbis/Opus), MP3, AIFF"
MIN_SECONDS = 0.1
# Below this peak (about -80 dBFS) there is nothing a recogniser or a viewer could call speech.
SILENCE_PEAK = 1e-4
# Decoded samples (frames × channels) allowed per second of the length limit: 48 kHz stereo. Checked from
# the header, so a small file declaring 8 channels at 655 kHz cannot unpack into gigabytes.
MAX_SAMPLES_PER_SECOND = 48000 * 2


def load_audio(
    source: bytes | str | os.PathLike,
    target_rate: int = 16000,
    max_seconds: float = 600.0,
) -> AudioClip:
    """Decode `source` (the file's bytes, or a path) to mono float32 at `target_rate` Hz.

    Raises AudioError with a message that names the problem and the fix."""
    name, handle = _open_source(source)
    try:
        sound = soundfile.SoundFile(handle)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioError(
            f"{name} could not be decoded: it is corrupt or not a supported format "
            f"({SUPPORTED_FORMATS}). Export the line as 16-bit WAV and try again. "
            f"(decoder said: {error})"
        ) from None
    with sound:
        rate = sound.samplerate
        n_frames = sound.frames
        if n_frames <= 0 or rate <= 0:
            raise AudioError(f"{name} holds no audio samples (zero length); pick a strip or file with speech in it.")
        # Check the length from the header before decoding, so a two-hour file costs nothing.
        seconds = n_frames / float(rate)
        if seconds > max_seconds:
            raise AudioError(
                f"{name} is {seconds:.1f} s long, more than the limit of {max_seconds:.0f} s; "
                f"split the dialogue into shorter lines and animate each one."
            )
        samples_allowed = int(max_seconds * MAX_SAMPLES_PER_SECOND)
        if n_frames * sound.channels > samples_allowed:
            raise AudioError(
                f"{name} has {sound.channels} channels at {rate} Hz: decoding it would take "
                f"{n_frames * sound.channels * 4 / 2**20:.0f} MiB, more than this line length allows; "
                "export it as mono or stereo at 48 kHz or less."
            )
        try:
            samples = sound.read(dtype="float32", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise AudioError(
                f"{name} is damaged: decoding stopped part-way ({error}); re-export the file."
            ) from None
    if samples.shape[0] == 0:
        raise AudioError(f"{name} holds no audio samples (zero length); pick a strip or file with speech in it.")
    if not np.all(np.isfinite(samples)):
        raise AudioError(f"{name} contains NaN or infinite samples; re-export it from your audio editor.")
    if samples.shape[0] / float(rate) < MIN_SECONDS:
        raise AudioError(
            f"{name} is {1000 * samples.shape[0] / rate:.0f} ms long, too short to hold speech "
            f"(at least {MIN_SECONDS:.1f} s is needed); check the strip's length."
        )
    mono = samples.mean(axis=1, dtype=np.float64).astype(np.float32)
    if rate != target_rate:
        mono = soxr.resample(mono, rate, target_rate, quality="HQ").astype(np.float32)
    # Resampling can overshoot by a hair on full-scale input; the clip promises [-1, 1].
    mono = np.clip(mono, -1.0, 1.0)
    if float(np.max(np.abs(mono))) < SILENCE_PEAK:
        raise AudioError(f"{name} is silent; check the strip/file (is it muted, or the wrong one?).")
    return AudioClip(samples=np.ascontiguousarray(mono), sample_rate=target_rate)


def _open_source(source: bytes | str | os.PathLike) -> tuple[str, object]:
    """The name to show in messages and something soundfile can open."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) == 0:
            raise AudioError("The audio is empty (0 bytes); send the sound file's contents.")
        return "The audio", io.BytesIO(data)
    path = Path(os.fspath(source))
    if not path.exists():
        raise AudioError(f"The audio file {path} does not exist; check the path (or the strip's file).")
    if not path.is_file():
        raise AudioError(f"{path} is not a file; give the path of a sound file ({SUPPORTED_FORMATS}).")
    if path.stat().st_size == 0:
        raise AudioError(f"The audio file {path} is empty (0 bytes); re-export it.")
    return f"The audio file {path.name}", str(path)
