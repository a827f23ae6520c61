"""Refuse audio from what its header declares (length, channels, rate), before any of it is decoded."""

from ..errors import AudioError

# Decoded samples (frames × channels) allowed per second of the length limit: 48 kHz stereo. Checked from
# the header, so a small file declaring 8 channels at 655 kHz cannot unpack into gigabytes.
MAX_SAMPLES_PER_SECOND = 48000 * 2


def max_samples(max_seconds: float) -> int:
    """The most decoded samples (frames × channels) a line of at most `max_seconds` may unpack into."""
    return int(max_seconds * MAX_SAMPLES_PER_SECOND)


def check_declared_size(name: str, frames: float, channels: int, rate: float, max_seconds: float) -> None:
    """Raises AudioError when `frames` at `rate` Hz is longer than `max_seconds`, or frames × channels would
    decode into more than `max_samples(max_seconds)`. `name` is how messages call the file."""
    seconds = frames / float(rate)
    if seconds > max_seconds:
        raise AudioError(
            f"{name} is {seconds:.1f} s long, more than the limit of {max_seconds:.0f} s; "
            f"split the dialogue into shorter lines and animate each one."
        )
    check_decoded_samples(name, frames * channels, channels, rate, max_seconds)


def check_decoded_samples(name: str, samples: float, channels: int, rate: float, max_seconds: float) -> None:
    """Raises AudioError once `samples` (frames × channels, declared or decoded so far) pass the limit."""
    if samples > max_samples(max_seconds):
        raise AudioError(
            f"{name} has {channels} channels at {rate:g} Hz: decoding it would take "
            f"{samples * 4 / 2**20:.0f} MiB, more than this line length allows; "
            "export it as mono or stereo at 48 kHz or less."
        )
