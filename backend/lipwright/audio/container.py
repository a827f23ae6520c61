"""Decode the audio track of what libsndfile cannot read (m4a/AAC, MP4/MOV, WebM/Opus, ...) with PyAV,
whose wheel bundles FFmpeg's decoders."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from ..errors import AudioError
from .declared_size import check_declared_size, check_decoded_samples


@dataclass
class DecodedTrack:
    """samples: (n, channels) float32 at `rate`; warnings: what was wrong but could be worked around."""

    samples: np.ndarray
    rate: int
    warnings: list[str] = field(default_factory=list)


class NotAContainer(Exception):
    """FFmpeg does not recognise the data either; the caller says which formats are supported."""


def decode_container(name: str, source: bytes | str, max_seconds: float) -> DecodedTrack:
    """The first audio track of `source` (bytes, or a path). `name` is how messages call the file.

    Raises NotAContainer when FFmpeg cannot open it, AudioError for a container with no usable audio."""
    import av  # FFmpeg's libraries load in ~0.1 s: only pay for them when a file needs them

    try:
        container = av.open(io.BytesIO(source) if isinstance(source, bytes) else source, mode="r")
    except (av.error.FFmpegError, ValueError, OSError) as error:
        raise NotAContainer(str(error)) from None
    with container:
        streams = container.streams.audio
        if not streams:
            raise AudioError(f"{name} has no audio track (it may be a video without sound); pick a file with speech in it.")
        stream = streams[0]
        seconds = _declared_seconds(container, stream)
        declared_rate = stream.codec_context.sample_rate or 0
        declared_channels = stream.codec_context.channels or 1
        if seconds is not None:
            # What the container declares, checked before decoding; a header that lies is caught below.
            check_declared_size(name, seconds * (declared_rate or 1), declared_channels, declared_rate or 1, max_seconds)
        chunks, warnings, rate = [], [], None
        frames_decoded = samples_decoded = 0
        # Interleaved float at the track's own rate; the caller mixes and resamples. Not planar: PyAV
        # counts one plane too many for 8 channels and reads past the frame (a segfault, seen with 18.1).
        resampler = av.AudioResampler(format="flt")
        skip = 0
        try:
            for frame in container.decode(stream):
                if rate is None:
                    rate = frame.sample_rate
                    # An encoder's priming samples sit before time 0 (AAC's 1024): drop them to stay in sync.
                    if frame.pts is not None and frame.time_base is not None and frame.pts < 0:
                        skip = int(round(-frame.pts * frame.time_base * rate))
                for converted in resampler.resample(frame):
                    chunk = converted.to_ndarray().reshape(-1, len(converted.layout.channels))  # (n, channels)
                    chunks.append(chunk)
                    frames_decoded += chunk.shape[0]
                    samples_decoded += chunk.size
                if frames_decoded > (max_seconds + 1) * rate:
                    raise AudioError(
                        f"{name} is longer than the limit of {max_seconds:.0f} s; "
                        f"split the dialogue into shorter lines and animate each one."
                    )
                check_decoded_samples(name, samples_decoded, chunks[-1].shape[1] if chunks else 1, rate, max_seconds)
        except av.error.FFmpegError as error:
            if not chunks:
                raise AudioError(f"{name} could not be decoded: its audio track is damaged ({error}); re-export it.") from None
            warnings.append(f"{name} is damaged: decoding stopped part-way ({error}); animated what could be read.")
    if not chunks or rate is None:
        raise AudioError(f"{name} holds no audio samples (zero length); pick a strip or file with speech in it.")
    samples = np.concatenate(chunks)[skip:]
    return DecodedTrack(np.ascontiguousarray(samples, dtype=np.float32), int(rate), warnings)


def _declared_seconds(container, stream) -> float | None:
    """The length the container claims, before decoding anything; None when it does not say."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # FFmpeg's AV_TIME_BASE
    return None
