"""bench_lipsync's unseen-voice development set: real flite and espeak-ng speech with its truth."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import DEV_VOICES, HELD_OUT, spoken_sentence, voice_groups  # noqa: E402

TEXT = "Bring me the map by the old barn."


def test_a_faster_voice_is_shorter_and_its_truth_moves_with_it(tmp_path):
    plain, plain_truth = spoken_sentence(TEXT, "awb", tmp_path / "a.wav", 1.0)
    faster, faster_truth = spoken_sentence(TEXT, "awb@1.25", tmp_path / "b.wav", 1.0)
    assert len(faster) / 16000 == pytest.approx(len(plain) / 16000 / 1.25, abs=0.01)
    assert [label for label, _, _ in faster_truth] == [label for label, _, _ in plain_truth]
    assert [end for _, _, end in faster_truth] == pytest.approx([end / 1.25 for _, _, end in plain_truth], abs=1e-6)


def test_an_espeak_voice_gets_the_aligned_transcript_as_truth(tmp_path):
    samples, truth = spoken_sentence(TEXT, "espeak:en+klatt4:8k", tmp_path / "c.wav", 1.0)
    seconds = len(samples) / 16000
    labels = [label for label, _, _ in truth]
    assert labels.count("B") == 3 and labels.count("M") == 2  # bring, by, barn; me, map
    assert all(0.0 <= start <= end <= seconds + 1e-6 for _, start, end in truth)
    assert [start for _, start, _ in truth] == sorted(start for _, start, _ in truth)


def test_the_development_set_holds_no_training_or_held_out_voice():
    from lipwright.synthetic.voices import WIDE_VOICES

    # The wide corpus (the next training run's) holds the default one: unseen by both.
    espeak = {voice.name for voice in WIDE_VOICES if voice.engine == "espeak-ng"}
    moved = {(voice.name.removesuffix("_diphone"), voice.speed) for voice in WIDE_VOICES if voice.speed != 1.0}
    for voice in DEV_VOICES:
        name = voice.removesuffix(":8k")
        assert not any(held in name for held in HELD_OUT)
        if name.startswith("espeak:"):
            accent, _, variant = name.removeprefix("espeak:").partition("+")
            assert name.removeprefix("espeak:") not in espeak
            assert not any(v.startswith(accent + "+") or v.endswith("+" + variant) for v in espeak)
        else:  # a corpus voice only when its vocal tract is moved
            assert float(name.partition("@")[2]) != 1.0
    # The wide corpus moves awb and ked (their moved copies here become near-seen): rms it never moves.
    assert "rms" not in {base for base, _ in moved} and any(v.startswith("rms@") for v in DEV_VOICES)
    groups = voice_groups([*DEV_VOICES, "awb", "kal", "slt@1.1"], [])
    assert sorted(name.split(" ")[0] for name in groups) == ["held-out", "tuning", "unseen"]
    assert next(name for name in groups if name.startswith("held-out")).endswith("kal/slt@1.1")


@pytest.mark.parametrize("voices", [["kal"], ["dev", "slt@1.1"], ["awb", "kal:8k"]])
def test_choosing_how_the_network_is_heard_refuses_the_held_out_voices(monkeypatch, capsys, voices):
    import measure_network_hearing

    monkeypatch.setattr(sys, "argv", ["measure_network_hearing.py", "--voices", *voices])
    with pytest.raises(SystemExit):
        measure_network_hearing.main()
    assert "held out" in capsys.readouterr().err
