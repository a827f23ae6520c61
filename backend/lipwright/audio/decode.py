"""Decode audio bytes or files into a mono float32 AudioClip at the rate the pipeline wants."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import soxr

from ..errors import AudioError
from .clip import AudioClip
from .container import NotAContainer, decode_container
from .declared_size import check_declared_size
from .declip import cut_share, cut_share_warning, declipped_channels

SUPPORTED_FORMATS = "WAV, FLAC, OGG (Vorbis/Opus), MP3, AIFF, M4A/AAC, MP4/MOV, WebM"
MIN_SECONDS = 0.1
# Below this peak (about -80 dBFS) there is nothing a recogniser or a viewer could call speech.
SILENCE_PEAK = 1e-4
# Read in blocks so a file damaged part-way still gives what comes before the damage.
_BLOCK_SECONDS = 30.0


def load_audio(
    source: bytes | str | os.PathLike,
    target_rate: int = 16000,
    max_seconds: float = 600.0,
) -> AudioClip:
    """Decode `source` (the file's bytes, or a path) to mono float32 at `target_rate` Hz, clipped peaks rebuilt.

    libsndfile reads what it can (WAV, FLAC, OGG, MP3, AIFF); PyAV (FFmpeg) the rest (phone and video
    files). Raises AudioError with a message that names the file, the problem and the fix."""
    return decode_audio(source, max_seconds).clip(target_rate)


@dataclass(frozen=True)
class DecodedAudio:
    """A checked recording at its own rate: samples (frames, channels) float32."""

    name: str
    samples: np.ndarray
    rate: int
    warnings: tuple[str, ...]

    def cut_share(self) -> float:
        """The largest share of a channel's samples cut off flat (0 when the recording is not clipped)."""
        return cut_share(self.samples, self.rate)

    def clip(self, target_rate: int = 16000, rebuild: bool = True) -> AudioClip:
        """Mono at `target_rate`. Clipped peaks are rebuilt here, at the recording's own rate (resampled, a
        flat top ripples and is no longer found), unless `rebuild` is False: the quick checks made while a
        user waits leave that (seconds for a long clipped line) to the worker. Either way a hard-clipped
        recording is named in a warning."""
        samples, warnings = self.samples, list(self.warnings)
        cut = declipped_channels(samples, self.rate) if rebuild else (samples, self.cut_share())
        samples = cut[0]
        if warning := cut_share_warning(cut[1], self.name):
            warnings.append(warning)
        mono = samples.mean(axis=1, dtype=np.float64).astype(np.float32)
        if self.rate != target_rate:
            mono = soxr.resample(mono, self.rate, target_rate, quality="HQ").astype(np.float32)
        # Resampling can overshoot by a hair on full-scale input; the clip promises [-1, 1].
        mono = np.clip(mono, -1.0, 1.0)
        if float(np.max(np.abs(mono))) < SILENCE_PEAK:
            raise AudioError(f"{self.name} is silent; check the strip/file (is it muted, or the wrong one?).")
        return AudioClip(samples=np.ascontiguousarray(mono), sample_rate=target_rate, warnings=tuple(warnings))


def decode_audio(source: bytes | str | os.PathLike, max_seconds: float = 600.0) -> DecodedAudio:
    """Decode and check `source` at its own rate (see load_audio); raises AudioError naming what is wrong."""
    name, data = _open_source(source)
    try:
        samples, rate, warnings = _read_with_soundfile(name, data, max_seconds)
    except _NotForSoundfile as soundfile_error:
        try:
            track = decode_container(name, data, max_seconds)
        except NotAContainer:
            raise AudioError(
                f"{name} could not be decoded: it is corrupt or not a supported format "
                f"({SUPPORTED_FORMATS}). Export the line as 16-bit WAV and try again. "
                f"(decoder said: {soundfile_error})"
            ) from None
        samples, rate, warnings = track.samples, track.rate, track.warnings
    if samples.shape[0] == 0:
        raise AudioError(f"{name} holds no audio samples (zero length); pick a strip or file with speech in it.")
    if not np.all(np.isfinite(samples)):
        raise AudioError(f"{name} contains NaN or infinite samples; re-export it from your audio editor.")
    if samples.shape[0] / float(rate) < MIN_SECONDS:
        raise AudioError(
            f"{name} is {1000 * samples.shape[0] / rate:.0f} ms long, too short to hold speech "
            f"(at least {MIN_SECONDS:.1f} s is needed); check the strip's length."
        )
    return DecodedAudio(name, samples, rate, tuple(warnings))


class _NotForSoundfile(Exception):
    """libsndfile cannot open the data; another decoder may."""


def _read_with_soundfile(name: str, data: bytes | str, max_seconds: float) -> tuple[np.ndarray, int, list[str]]:
    """(samples (n, channels) float32, rate, warnings); raises _NotForSoundfile when libsndfile cannot open it."""
    try:
        sound = soundfile.SoundFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        # libsndfile's own words ('Format not recognised.'), without the Python object it was given.
        raise _NotForSoundfile(getattr(error, "error_string", None) or str(error)) from None
    warnings = []
    with sound:
        rate = sound.samplerate
        n_frames = sound.frames
        if n_frames <= 0 or rate <= 0:
            raise AudioError(f"{name} holds no audio samples (zero length); pick a strip or file with speech in it.")
        # Check length and size from the header before decoding, so a two-hour file or a small one
        # declaring many channels at a huge rate costs nothing.
        check_declared_size(name, n_frames, sound.channels, rate, max_seconds)
        blocks = []
        try:
            while len(block := sound.read(int(_BLOCK_SECONDS * rate), dtype="float32", always_2d=True)):
                blocks.append(block)
        except (soundfile.LibsndfileError, RuntimeError) as error:
            if not blocks:
                raise AudioError(f"{name} is damaged: decoding stopped at the start ({error}); re-export the file.") from None
            warnings.append(f"{name} is damaged: decoding stopped part-way ({error}); animated what could be read.")
        samples = np.concatenate(blocks) if blocks else np.zeros((0, sound.channels), np.float32)
    missing = _missing_wav_seconds(data, rate, sound.channels)
    if missing > 0:
        warnings.append(
            f"{name} is cut short: its header promises {missing:.2f} s more audio than the file holds "
            f"(an interrupted recording or copy?); animated the {samples.shape[0] / rate:.2f} s that are there."
        )
    return samples, rate, warnings


def _missing_wav_seconds(data: bytes | str, rate: int, channels: int) -> float:
    """Seconds a WAV's RIFF header promises beyond what the file holds (libsndfile silently reads less)."""
    if isinstance(data, bytes):
        head, size = data[:44], len(data)
    else:
        with open(data, "rb") as handle:
            head = handle.read(44)
        size = os.path.getsize(data)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return 0.0
    declared = int.from_bytes(head[4:8], "little") + 8
    # Streaming writers leave the size as 0 or all ones when they do not know it yet.
    if declared <= 8 or declared >= 0xFFFFFFFF or declared <= size:
        return 0.0
    block_align = int.from_bytes(head[32:34], "little") if head[12:16] == b"fmt " else 0
    return (declared - size) / (block_align or 2 * channels) / rate


def _open_source(source: bytes | str | os.PathLike) -> tuple[str, bytes | str]:
    """The name to show in messages, and the bytes or the path to decode."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) == 0:
            raise AudioError("The audio is empty (0 bytes); send the sound file's contents.")
        return "The audio", data
    path = Path(os.fspath(source))
    if not path.exists():
        raise AudioError(f"The audio file {path} does not exist; check the path (or the strip's file).")
    if not path.is_file():
        raise AudioError(f"{path} is not a file; give the path of a sound file ({SUPPORTED_FORMATS}).")
    if path.stat().st_size == 0:
        raise AudioError(f"The audio file {path} is empty (0 bytes); re-export it.")
    return f"The audio file {path.name}", str(path)
