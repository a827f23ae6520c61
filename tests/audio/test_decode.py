"""load_audio: every bad input gets a message that names the problem and the fix; good input comes out
as mono float32 at the asked rate."""

import io

import numpy as np
import pytest
import soundfile

from lipwright.audio.decode import load_audio
from lipwright.errors import AudioError
from tests.speech import synthesise


@pytest.fixture(scope="module")
def spoken():
    """About a second of real speech at 22.05 kHz (espeak-ng's own rate)."""
    return synthesise("Bob made a big map.", sample_rate=22050)


def wav_bytes(samples, rate, subtype="PCM_16", format="WAV"):
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, subtype=subtype, format=format)
    return buffer.getvalue()


def test_empty_bytes():
    with pytest.raises(AudioError, match=r"empty \(0 bytes\)"):
        load_audio(b"")


def test_empty_file(tmp_path):
    path = tmp_path / "line.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError, match="line.wav is empty"):
        load_audio(path)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="does not exist; check the path"):
        load_audio(tmp_path / "nowhere.wav")


def test_corrupt_bytes_name_the_supported_formats():
    with pytest.raises(AudioError, match="corrupt or not a supported format.*WAV, FLAC"):
        load_audio(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)


def test_text_file_is_not_audio(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio at all\n" * 50)
    with pytest.raises(AudioError, match="notes.wav could not be decoded"):
        load_audio(path)


def test_zero_length_audio():
    with pytest.raises(AudioError, match="zero length"):
        load_audio(wav_bytes(np.zeros(0, dtype=np.float32), 16000))


def test_too_short_for_speech(spoken):
    with pytest.raises(AudioError, match="too short to hold speech"):
        load_audio(wav_bytes(spoken[: int(0.05 * 22050)], 22050))


def test_too_long_says_to_split(spoken):
    with pytest.raises(AudioError, match="split the dialogue"):
        load_audio(wav_bytes(spoken, 22050), max_seconds=0.5)


def test_silence():
    with pytest.raises(AudioError, match="is silent; check the strip/file"):
        load_audio(wav_bytes(np.zeros(16000, dtype=np.float32), 16000))


def test_nan_samples(spoken):
    broken = spoken.copy()
    broken[100] = np.nan
    with pytest.raises(AudioError, match="NaN"):
        load_audio(wav_bytes(broken, 22050, subtype="FLOAT"))


def test_stereo_44k_is_mixed_down_and_resampled(spoken):
    import soxr

    left = soxr.resample(spoken, 22050, 44100).astype(np.float32)
    stereo = np.stack([left, 0.5 * left], axis=1)
    clip = load_audio(wav_bytes(stereo, 44100), target_rate=16000)
    assert clip.sample_rate == 16000
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert clip.seconds == pytest.approx(len(left) / 44100, abs=0.002)
    # The mix is the mean of the channels: 0.75 of the left channel's level.
    expected = 0.75 * soxr.resample(left, 44100, 16000)
    n = min(len(expected), len(clip.samples))
    assert np.max(np.abs(clip.samples[:n] - expected[:n])) < 2e-3


def test_flac_file(tmp_path, spoken):
    path = tmp_path / "line.flac"
    soundfile.write(path, spoken, 22050, format="FLAC")
    clip = load_audio(path)
    assert clip.sample_rate == 16000
    assert clip.seconds == pytest.approx(len(spoken) / 22050, abs=0.002)
    assert 0.1 < np.max(np.abs(clip.samples)) <= 1.0


def test_ogg_bytes(spoken):
    clip = load_audio(wav_bytes(spoken, 22050, subtype="VORBIS", format="OGG"), target_rate=22050)
    assert clip.sample_rate == 22050
    assert clip.seconds == pytest.approx(len(spoken) / 22050, abs=0.01)


def test_a_truncated_wav_decodes_what_is_there_with_a_warning(spoken, tmp_path):
    data = wav_bytes(spoken, 22050)
    path = tmp_path / "cut.wav"
    path.write_bytes(data[: 44 + (len(data) - 44) // 2])  # the header still promises every sample
    clip = load_audio(path, target_rate=22050)
    assert clip.seconds == pytest.approx(0.5 * len(spoken) / 22050, abs=0.002)
    assert len(clip.warnings) == 1
    assert "cut.wav is cut short" in clip.warnings[0] and f"{0.5 * len(spoken) / 22050:.2f} s" in clip.warnings[0]
    assert load_audio(data).warnings == ()
