"""bench_lipsync --hum, --gain, --overdrive, --level-step, --breaths, --clicks, --low-pass and --high-pass: the same
clips with a ground loop's hum under them, recorded too quietly, recorded too loud and clipped, falling in level
halfway, with an inhale or mouth clicks before each phrase, or through a narrow band; and --joined, the clips joined
into long lines."""

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import (BREATH_GAP_SECONDS, BREATH_SECONDS, CATCH_BREATH_SECONDS, CLICK_LEAD_SECONDS,  # noqa: E402
                           STEP_SECONDS, Clip, breaths, clicks, clipped, gain, high_pass, hum, joined, low_pass,
                           muffled, overdrive, quieter, speak_with_truth, stepped_down, thinned, with_breaths,
                           with_catch_breaths, with_clicks, with_hum)
from tests.benchmarks.conftest import PAD  # noqa: E402


def test_hum_fills_the_silence_at_the_mains_frequency_and_keeps_the_truth(tmp_path, padded_clip):
    clip, dry = padded_clip
    hummed = with_hum([clip], "60:-40", tmp_path / "hum")
    assert hummed[0].truth == clip.truth and hummed[0].seconds == clip.seconds and hummed[0].wav != clip.wav
    heard, rate = soundfile.read(str(hummed[0].wav), dtype="float64")
    assert len(heard) == len(dry) and rate == 16000
    silence = heard[:PAD]
    spectrum = np.abs(np.fft.rfft(silence)) ** 2
    frequencies = np.fft.rfftfreq(len(silence), 1 / rate)
    assert frequencies[np.argmax(spectrum)] == pytest.approx(60.0, abs=1.0)
    assert np.max(np.abs(silence)) == pytest.approx(10 ** (-40 / 20) * 1.6, rel=0.5)  # five harmonics add up
    again = with_hum([clip], "60:-40", tmp_path / "again")
    assert np.array_equal(soundfile.read(str(again[0].wav))[0], heard)  # seeded: the same hum every run


def test_a_quiet_clip_is_the_same_clip_lower(tmp_path, padded_clip):
    clip, dry = padded_clip
    quiet = quieter([clip], "-30", tmp_path / "gain")
    heard, _ = soundfile.read(str(quiet[0].wav), dtype="float64")
    assert quiet[0].truth == clip.truth
    loud = np.abs(dry) > 0.05
    assert np.allclose(heard[loud] / dry[loud], 10 ** (-30 / 20), rtol=1e-3)  # 24 bits: only the level changed


@pytest.mark.parametrize("spec, expected", [("50:-45", (50.0, -45.0)), ("60:-30.5", (60.0, -30.5))])
def test_hum_is_read_as_mains_and_level(spec, expected):
    assert hum(spec) == expected


def test_a_clipped_clip_is_driven_over_full_scale_and_cut_there(tmp_path, padded_clip):
    clip, dry = padded_clip
    hot = clipped([clip], "12", tmp_path / "clip")
    heard, _ = soundfile.read(str(hot[0].wav), dtype="float64")
    assert hot[0].truth == clip.truth and len(heard) == len(dry)
    driven = dry * 10 ** (12 / 20) / np.abs(dry).max()
    over = np.abs(driven) >= 1.0
    assert 0.001 < over.mean() < 0.2
    assert np.allclose(np.abs(heard[over]), 32767 / 32768, atol=1e-4)  # flat at full scale, in 16 bits
    assert np.allclose(heard[~over], driven[~over], atol=1 / 32768)


def test_a_level_step_falls_over_two_seconds_around_the_middle(tmp_path, padded_clip):
    clip, dry = padded_clip
    line = np.tile(dry, 3)  # long enough for speech on either side of the ramp
    soundfile.write(str(tmp_path / "line.wav"), line, 16000, subtype="PCM_16")
    long = Clip("awb", "text", tmp_path / "line.wav", len(line) / 16000, clip.truth)
    stepped = stepped_down([long], "-20", tmp_path / "step")
    heard, _ = soundfile.read(str(stepped[0].wav), dtype="float64")
    written, _ = soundfile.read(str(long.wav), dtype="float64")
    assert stepped[0].truth == long.truth and len(heard) == len(line)
    loud = np.abs(written) > 0.02
    middle, edge = len(line) // 2, round(STEP_SECONDS / 2 * 16000)
    before, after = slice(0, middle - edge), slice(middle + edge, None)
    assert loud[before].sum() > 1000 and loud[after].sum() > 1000
    assert np.allclose(heard[before], written[before], atol=1e-6)  # before the ramp: as it was
    assert np.allclose(heard[after][loud[after]] / written[after][loud[after]], 0.1, rtol=1e-3)  # after: 20 dB down
    ramp = slice(middle - edge, middle + edge)
    gains = heard[ramp][loud[ramp]] / written[ramp][loud[ramp]]
    assert np.all(np.diff(gains) <= 1e-4) and gains[0] > 0.9 and gains[-1] < 0.12  # falling all the way


def test_joined_clips_keep_each_clip_s_truth_where_its_audio_now_lies(tmp_path, padded_clip):
    clip, dry = padded_clip
    seconds = clip.seconds
    truth = [("SIL", 0.0, 0.5), ("AA", 0.5, seconds - 0.5), ("SIL", seconds - 0.5, seconds)]
    first = Clip("awb", "one", clip.wav, seconds, truth)
    soundfile.write(str(tmp_path / "b.wav"), -dry, 16000, subtype="PCM_16")
    second = Clip("awb", "two", tmp_path / "b.wav", seconds, truth)
    lone = Clip("rms", "three", clip.wav, seconds, truth)
    lines = joined([first, second, lone], 2, tmp_path / "joined")
    assert [(line.voice, line.text) for line in lines] == [("awb", "one two"), ("rms", "three")]
    heard, _ = soundfile.read(str(lines[0].wav), dtype="float64")
    assert len(heard) == 2 * len(dry) and lines[0].seconds == pytest.approx(2 * seconds)
    assert np.allclose(heard[len(dry):], -heard[:len(dry)], atol=2 / 32768)
    # The pause that ends the first clip and the one that starts the second are one pause.
    expected = [("SIL", 0.0, 0.5), ("AA", 0.5, seconds - 0.5), ("SIL", seconds - 0.5, seconds + 0.5),
                ("AA", seconds + 0.5, 2 * seconds - 0.5), ("SIL", 2 * seconds - 0.5, 2 * seconds)]
    assert [label for label, _, _ in lines[0].truth] == [label for label, _, _ in expected]
    assert np.allclose([t[1:] for t in lines[0].truth], [t[1:] for t in expected])
    assert lines[1].truth == truth
    with pytest.raises(ValueError, match="at least 1"):
        joined([clip], 0, tmp_path / "none")


# (how the band is narrowed, its corner, a band it keeps, a band it takes out)
NARROWED = [(muffled, "3000", (0, 2000), (4000, 8000)), (thinned, "300", (600, 4000), (0, 150))]


@pytest.mark.parametrize("narrow, spec, kept, lost", NARROWED)
def test_a_narrowed_clip_keeps_one_band_and_loses_another(tmp_path, padded_clip, narrow, spec, kept, lost):
    clip, dry = padded_clip
    narrowed = narrow([clip], spec, tmp_path / "narrow")
    heard, _ = soundfile.read(str(narrowed[0].wav), dtype="float64")
    written, _ = soundfile.read(str(clip.wav), dtype="float64")
    assert narrowed[0].truth == clip.truth and len(heard) == len(written)
    frequencies = np.fft.rfftfreq(len(written), 1 / 16000)
    before, after = np.abs(np.fft.rfft(written)) ** 2, np.abs(np.fft.rfft(heard)) ** 2
    keep, lose = [(frequencies > low) & (frequencies < high) for low, high in (kept, lost)]
    assert after[keep].sum() == pytest.approx(before[keep].sum(), rel=0.05)
    assert after[lose].sum() < 1e-3 * before[lose].sum()  # 30 dB down at least: 16-bit dither sets the floor


def _laid_in_pauses(tmp_path: Path, lay) -> tuple[int, np.ndarray, np.ndarray, list, np.ndarray]:
    """A two-phrase flite rms clip with `lay(clips, "-20", folder)` laid on: (rate, what was added, the speech's
    samples, the two pauses before a phrase, where the samples moved). The truth is checked unchanged, and nothing
    moved outside those pauses."""
    clip = speak_with_truth(["Bob kept the map.", "Pam sat by the barn."], "rms", tmp_path / "a.wav", 1.0)
    dry, rate = soundfile.read(str(clip.wav), dtype="float64")
    laid = lay([clip], "-20", tmp_path / "laid")[0]
    assert laid.truth == clip.truth and laid.wav != clip.wav
    heard, _ = soundfile.read(str(laid.wav), dtype="float64")
    speech = np.concatenate([dry[int(start * rate):int(end * rate)] for label, start, end in clip.truth if label != "SIL"])
    before_phrase = [(start, end) for (label, start, end), after in zip(clip.truth, clip.truth[1:])
                     if label == "SIL" and after[0] != "SIL" and end - start >= 0.45]
    assert len(before_phrase) == 2
    added = heard - dry
    moved = np.abs(added) > 1e-4  # 16-bit rounding moves the rest
    outside = np.ones(len(dry), dtype=bool)
    for start, end in before_phrase:
        outside[int(start * rate):int(end * rate)] = False
    assert not moved[outside].any()
    return rate, added, speech, before_phrase, moved


def test_mouth_clicks_lie_in_each_pause_before_a_phrase_at_their_level(tmp_path):
    rate, added, speech, before_phrase, moved = _laid_in_pauses(tmp_path, with_clicks)
    for start, end in before_phrase:
        inside = np.flatnonzero(moved[int(start * rate):int(end * rate)]) / rate + start
        # Two clicks, each at most 20 ms: the last ends 20-120 ms before the voice, the other 0.2 s or more before.
        runs = np.split(inside, np.flatnonzero(np.diff(inside) > 0.03) + 1)
        assert len(runs) == 2 and all(r[-1] - r[0] <= 0.02 for r in runs)
        assert CLICK_LEAD_SECONDS[0] - 0.01 <= end - runs[1][-1] <= CLICK_LEAD_SECONDS[1] + 0.01
        assert end - runs[0][-1] >= 0.2 - 0.01
        peak = np.abs(added[int(runs[1][0] * rate):int(runs[1][-1] * rate) + 1]).max()
        assert 20 * np.log10(peak / np.abs(speech).max()) == pytest.approx(-20.0, abs=0.5)


@pytest.mark.parametrize("lay, lengths", [(with_breaths, BREATH_SECONDS), (with_catch_breaths, CATCH_BREATH_SECONDS)])
def test_an_inhale_lies_in_each_pause_before_a_phrase_at_its_level(tmp_path, lay, lengths):
    rate, added, speech, before_phrase, moved = _laid_in_pauses(tmp_path, lay)
    for start, end in before_phrase:
        inside = np.flatnonzero(moved[int(start * rate):int(end * rate)]) / rate + start
        assert lengths[0] - 0.05 <= inside[-1] - inside[0] <= lengths[1]
        assert BREATH_GAP_SECONDS[0] - 0.01 <= end - inside[-1] <= BREATH_GAP_SECONDS[1] + 0.01
        level = np.sqrt(np.mean(added[int((inside[0]) * rate):int(inside[-1] * rate)] ** 2))
        assert 20 * np.log10(level / np.sqrt(np.mean(speech ** 2))) == pytest.approx(-20.0, abs=1.0)


# (how a fault is laid on, specs it refuses, what its error names)
REFUSED = [
    (with_hum, ["50", "mains:-40", "100:-40", "50:0", "50:nan"], "hum"),
    (quieter, ["6", "0", "quiet", "inf"], "gain"),
    (clipped, ["0", "-6", "41", "hot", "nan"], "overdrive"),
    (stepped_down, ["0", "5", "down", "nan"], "level step"),
    (muffled, ["500", "8000", "dull", "nan"], "low-pass"),
    (thinned, ["20", "3000", "thin", "nan"], "high-pass"),
    (with_clicks, ["loud", "5", "-50", "nan"], "clicks"),
    (with_breaths, ["loud", "5", "-50", "nan"], "breaths"),
    (with_catch_breaths, ["loud", "5", "-50", "nan"], "breaths"),
]


@pytest.mark.parametrize("lay, spec, named", [(lay, spec, named) for lay, specs, named in REFUSED for spec in specs])
def test_a_bad_fault_value_is_refused_by_name(lay, spec, named, tmp_path):
    with pytest.raises(ValueError, match=named):
        lay([], spec, tmp_path)


@pytest.mark.parametrize("parse, spec, expected", [(gain, "-30", -30.0), (overdrive, "12", 12.0),
                                                   (low_pass, "3000", 3000.0), (high_pass, "300", 300.0),
                                                   (clicks, "-25", -25.0), (breaths, "-25", -25.0)])
def test_a_fault_value_is_read_in_its_unit(parse, spec, expected):
    assert parse(spec) == expected
