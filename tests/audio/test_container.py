"""Phone and video files (m4a/AAC, MP4 and MOV with a picture, WebM/Opus) decode through PyAV, in sync;
every failure names the file."""

import io
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest
import soundfile

from lipwright.audio.decode import load_audio
from lipwright.errors import AudioError
from tests.speech import synthesise

RATE = 48000


@pytest.fixture(scope="module")
def spoken():
    """Real speech at 48 kHz with half a second of silence before it, so a shift in time would show."""
    speech = synthesise("Bob made a big map of the moon.", engine="flite", voice="awb", sample_rate=RATE)
    return np.concatenate([np.zeros(RATE // 2, np.float32), speech, np.zeros(RATE // 4, np.float32)])


def encode(samples: np.ndarray, container_format: str, codec: str, with_picture: bool = False) -> bytes:
    """`samples` (mono float32 at RATE) encoded by FFmpeg (through PyAV) into an in-memory file."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        if with_picture:
            video = container.add_stream("mpeg4", rate=10)
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        stream = container.add_stream(codec, rate=RATE)
        stream.layout = "stereo"
        frame_size = stream.codec_context.frame_size or 1024
        stereo = np.stack([samples, samples]).astype(np.float32)
        for start in range(0, stereo.shape[1], frame_size):
            chunk = np.ascontiguousarray(stereo[:, start:start + frame_size])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if with_picture:
            for index in range(int(len(samples) / RATE * 10)):
                picture = av.VideoFrame.from_ndarray(np.full((48, 64, 3), index * 5 % 255, np.uint8), format="rgb24")
                picture.pts = index
                container.mux(video.encode(picture))
            container.mux(video.encode(None))
    return buffer.getvalue()


def lag_seconds(decoded: np.ndarray, original: np.ndarray, rate: int) -> float:
    """How late `decoded` plays against `original` (both at `rate`), from their envelopes' cross-correlation."""
    n = min(len(decoded), len(original))
    a, b = np.abs(decoded[:n]), np.abs(original[:n])
    window = 80
    a = np.convolve(a, np.ones(window) / window, "same")
    b = np.convolve(b, np.ones(window) / window, "same")
    lags = range(-400, 401)
    scores = [np.dot(a[max(0, k):n + min(0, k)], b[max(0, -k):n - max(0, k)]) for k in lags]
    return lags[int(np.argmax(scores))] / rate


@pytest.mark.parametrize(
    "container_format, codec, with_picture, file_name",
    [("ipod", "aac", False, "line.m4a"), ("mp4", "aac", True, "take.mp4"), ("mov", "aac", True, "take.mov"),
     ("webm", "libopus", False, "line.webm")],
    ids=["m4a-aac", "mp4-video", "mov-video", "webm-opus"],
)
def test_phone_and_video_files_decode_in_sync(spoken, tmp_path, container_format, codec, with_picture, file_name):
    path = tmp_path / file_name
    path.write_bytes(encode(spoken, container_format, codec, with_picture))
    with pytest.raises(soundfile.LibsndfileError):
        soundfile.info(str(path))  # libsndfile alone could not read it
    clip = load_audio(path, target_rate=16000)
    assert clip.sample_rate == 16000 and clip.warnings == ()
    original = synthesise_at_16k(spoken)
    assert clip.seconds == pytest.approx(len(spoken) / RATE, abs=0.03)
    assert abs(lag_seconds(clip.samples, original, 16000)) <= 0.003
    assert 0.1 < np.max(np.abs(clip.samples)) <= 1.0
    from_bytes = load_audio(path.read_bytes(), target_rate=16000)
    np.testing.assert_allclose(from_bytes.samples, clip.samples)


def synthesise_at_16k(samples: np.ndarray) -> np.ndarray:
    import soxr

    return soxr.resample(samples, RATE, 16000).astype(np.float32)


def test_a_video_without_sound_says_so(tmp_path):
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        video = container.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        for index in range(10):
            picture = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            picture.pts = index
            container.mux(video.encode(picture))
        container.mux(video.encode(None))
    path = tmp_path / "silent_take.mp4"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(AudioError, match="silent_take.mp4 has no audio track"):
        load_audio(path)


def test_a_damaged_container_names_the_file(spoken, tmp_path):
    data = encode(spoken, "ipod", "aac")
    path = tmp_path / "broken.m4a"
    path.write_bytes(data[:200])  # the header and nothing else
    with pytest.raises(AudioError, match="broken.m4a"):
        load_audio(path)


def test_a_cut_off_webm_decodes_what_is_there(spoken, tmp_path):
    data = encode(spoken, "webm", "libopus")
    path = tmp_path / "cut.webm"
    path.write_bytes(data[: len(data) // 2])
    clip = load_audio(path)
    assert 0.3 * len(spoken) / RATE < clip.seconds < 0.8 * len(spoken) / RATE


def matroska_flac(channels_layout: str, rate: int, seconds: float, tone: bool = True) -> bytes:
    """FLAC in Matroska (which libsndfile does not read, so PyAV decodes it): a 220 Hz tone, or silence."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="matroska") as container:
        stream = container.add_stream("flac", rate=rate)
        stream.layout = channels_layout
        channels = stream.codec_context.channels
        n, step = int(rate * seconds), 4096
        wave = (8000 * np.sin(2 * np.pi * 220 * np.arange(n) / rate)).astype(np.int16) if tone else np.zeros(n, np.int16)
        for start in range(0, n, step):
            block = np.repeat(wave[start:start + step], channels)[None, :]  # interleaved
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout=channels_layout)
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def test_a_container_declaring_too_many_samples_is_refused_from_its_header():
    # 1 kB of silent FLAC declaring 8 channels at 384 kHz: 3 million samples for a 1 s line.
    data = matroska_flac("7.1", 384000, 1.0, tone=False)
    assert len(data) < 4096
    with pytest.raises(AudioError, match="8 channels at 384000 Hz"):
        load_audio(data, max_seconds=5.0)


def test_an_eight_channel_track_decodes(tmp_path):
    # PyAV's planar frames with 8 channels read past their end; in a child so a crash fails only this test.
    path = tmp_path / "surround.mka"
    path.write_bytes(matroska_flac("7.1", 48000, 0.5))
    script = ("import sys; from lipwright.audio.decode import load_audio; "
              "clip = load_audio(sys.argv[1]); print(round(clip.seconds, 2), round(float(abs(clip.samples).max()), 2))")
    completed = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["0.5", "0.24"]
