"""The corpus's voice sets, and a voice with its vocal tract moved (real flite speech)."""

import soundfile

from lipwright.synthetic.voices import DEFAULT_VOICES, HELD_OUT_SPEAKERS, WIDE_VOICES, Voice, speak


def test_a_faster_voice_speaks_the_same_line_in_less_time_at_the_same_rate(tmp_path):
    plain = soundfile.info(str(speak("Bring me the map.", Voice("flite", "awb"), tmp_path / "a.wav")))
    faster = soundfile.info(str(speak("Bring me the map.", Voice("flite", "awb", speed=1.25), tmp_path / "b.wav")))
    assert faster.samplerate == plain.samplerate
    assert abs(faster.duration - plain.duration / 1.25) < 0.01


def test_the_wide_set_keeps_the_default_one_and_adds_distinct_trainable_voices():
    ids = [voice.id for voice in WIDE_VOICES]
    assert WIDE_VOICES[:len(DEFAULT_VOICES)] == DEFAULT_VOICES
    assert len(ids) == len(set(ids)) > 3 * len(DEFAULT_VOICES)
    assert "flite-awb-x125" in ids and "_" not in "".join(ids)
    assert not any(held in voice.name for voice in WIDE_VOICES for held in HELD_OUT_SPEAKERS)


def test_the_command_line_makes_a_corpus_of_the_wide_set(tmp_path, capsys):
    import json

    from lipwright.cli.main import main

    assert main(["data", "synth", str(tmp_path / "corpus"), "--hours", "0.0005", "--clean", "--voices", "wide"]) == 0
    layout = json.loads((tmp_path / "corpus" / "layout.json").read_text())
    assert "flite-awb-x125" in json.dumps(layout) and "espeak-ng-en-029-klatt6-r200-p70" in json.dumps(layout)


def test_played_faster_scales_duration_and_pitch_alike_at_every_speed():
    import numpy as np

    from lipwright.synthetic.voices import played_faster

    rate = 16000
    for speed in np.random.default_rng(3).uniform(0.7, 1.4, 12):
        tone = np.sin(2 * np.pi * 220.0 * np.arange(rate) / rate).astype(np.float32)
        moved = played_faster(tone, rate, float(speed))
        assert abs(len(moved) - rate / speed) <= 2
        spectrum = np.abs(np.fft.rfft(moved * np.hanning(len(moved))))
        peak_hz = np.argmax(spectrum) * rate / len(moved)
        assert abs(peak_hz - 220.0 * speed) < 3.0, (speed, peak_hz)
