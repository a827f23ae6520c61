"""score_epochs: each kept checkpoint scored on saved unseen-voice clips, the one that closes the lips chosen."""

import json
import random
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_lipsync import is_held_out, load_clips, save_clips, spoken_clips  # noqa: E402

SHIPPED = Path(__file__).resolve().parents[2] / "backend" / "lipwright" / "shipped_models" / "gldtalker-synthetic"
TEXTS = ["Bring me the map by the old barn.", "Pam made a plum pie for Bob."]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spoken")
    # A Klatt voice: the phone search misses p/b/m there that the shipped network hears.
    clips = spoken_clips(["espeak:en+klatt4"], TEXTS, 1, [1.0], folder)
    save_clips(clips, folder / "saved")
    return clips, folder / "saved"


def test_saved_clips_come_back_as_they_were_spoken(saved):
    clips, folder = saved
    loaded = load_clips(folder)
    assert [(c.voice, c.text, c.seconds, c.truth) for c in loaded] == [(c.voice, c.text, c.seconds, c.truth)
                                                                       for c in clips]
    assert all(c.wav.parent == folder and c.wav.read_bytes() == o.wav.read_bytes() for c, o in zip(loaded, clips))


def run_with_epochs(folder: Path, thresholds: list[float]) -> Path:
    """A run whose epochs are the shipped checkpoint committing lip contact at these thresholds (its phone
    head's seals off, so the contact decisions alone close the lips)."""
    for epoch, threshold in enumerate(thresholds, 1):
        checkpoint = folder / "epochs" / f"{epoch:03d}"
        shutil.copytree(SHIPPED, checkpoint)
        config = json.loads((checkpoint / "config.json").read_text())
        config["settings"]["contact_threshold"] = threshold
        config["settings"]["bilabial_seal"] = 0.0
        (checkpoint / "config.json").write_text(json.dumps(config))
    return folder


@pytest.mark.parametrize("thresholds, expected", [([0.999, 0.2], "002"), ([0.2, 0.999], "001")])
def test_the_checkpoint_that_closes_the_lips_is_chosen_and_kept(saved, tmp_path, monkeypatch, capsys,
                                                                thresholds, expected):
    import score_epochs

    run = run_with_epochs(tmp_path / "run", thresholds)
    monkeypatch.setattr(sys, "argv", ["score_epochs.py", str(run), "--clips", str(saved[1]),
                                      "--keep-chosen", str(tmp_path / "chosen")])
    score_epochs.main()
    printed = capsys.readouterr().out
    assert f"chosen: epochs/{expected}" in printed
    assert all(f"epochs/{epoch:03d}, alone" in printed for epoch in (1, 2)) and ", network" not in printed
    kept = json.loads((tmp_path / "chosen" / "config.json").read_text())
    assert kept["settings"]["contact_threshold"] == 0.2


def test_recognition_network_is_scored_with_each_checkpoint_hearing(saved, tmp_path, monkeypatch, capsys):
    import score_epochs

    run = run_with_epochs(tmp_path / "run", [0.2, 1.01])  # the second never commits a contact
    # Phone heads (the checkpoint's own, the shipped ones) alone close every p/b/m of these clips, so here no
    # head listens: what each checkpoint adds is its motion's contact decisions.
    monkeypatch.setattr(sys, "argv", ["score_epochs.py", str(run), "--clips", str(saved[1]), "--network", "--no-heads"])
    score_epochs.main()
    rows = {line.split(" | ")[0].strip("| "): float(line.split(" | ")[1].split()[0])
            for line in capsys.readouterr().out.splitlines() if line.startswith("| epochs/")}
    assert set(rows) == {f"epochs/{epoch}, {mode}" for epoch in ("001", "002") for mode in ("alone", "network")}
    # The phone search closes what it hears either way; the checkpoint that hears contact adds to it.
    assert rows["epochs/001, network"] > rows["epochs/002, network"]
    assert rows["epochs/001, alone"] > rows["epochs/002, alone"]


def test_each_checkpoint_is_scored_at_each_threshold_and_the_chosen_one_kept_with_its_threshold(
        saved, tmp_path, monkeypatch, capsys):
    import score_epochs

    run = run_with_epochs(tmp_path / "run", [0.5])
    monkeypatch.setattr(sys, "argv", ["score_epochs.py", str(run), "--clips", str(saved[1]), "--thresholds", "1.01",
                                      "0.2", "--keep-chosen", str(tmp_path / "chosen")])
    score_epochs.main()
    printed = capsys.readouterr().out
    assert "| epochs/001 at 1.01, alone |" in printed and "| epochs/001 at 0.2, alone |" in printed
    assert "chosen: epochs/001 at 0.2" in printed
    kept = json.loads((tmp_path / "chosen" / "config.json").read_text())
    assert kept["settings"]["contact_threshold"] == 0.2
    assert json.loads((run / "epochs" / "001" / "config.json").read_text())["settings"]["contact_threshold"] == 0.5


def test_network_mode_ranks_the_choice_when_it_was_measured():
    from score_epochs import chosen

    def scores(closed):
        return [{"closed": closed, "spurious": [0.0] * len(closed)}]

    results = {"epochs/001": {"alone": scores([1, 1, 0]), "network": scores([1, 0, 0])},
               "epochs/002": {"alone": scores([1, 0, 0]), "network": scores([1, 1, 1])}}
    assert chosen(results) == "epochs/002"
    assert chosen({name: {"alone": modes["alone"]} for name, modes in results.items()}) == "epochs/001"


def test_held_out_voices_are_refused_spoken_or_saved(saved, tmp_path, monkeypatch):
    import score_epochs

    run = run_with_epochs(tmp_path / "run", [0.2])
    monkeypatch.setattr(sys, "argv", ["score_epochs.py", str(run), "--voices", "espeak:en-us", "slt@1.1"])
    with pytest.raises(SystemExit):
        score_epochs.main()
    held_out = tmp_path / "held-out"
    shutil.copytree(saved[1], held_out)
    listing = json.loads((held_out / "clips.json").read_text())
    listing[0]["voice"] = "kal:8k"
    (held_out / "clips.json").write_text(json.dumps(listing))
    monkeypatch.setattr(sys, "argv", ["score_epochs.py", str(run), "--clips", str(held_out)])
    with pytest.raises(SystemExit):
        score_epochs.main()


def test_a_run_without_kept_epochs_is_refused(tmp_path, monkeypatch, capsys):
    import score_epochs

    monkeypatch.setattr(sys, "argv", ["score_epochs.py", str(tmp_path)])
    with pytest.raises(SystemExit):
        score_epochs.main()
    assert "--keep-epochs" in capsys.readouterr().err


def test_the_choice_is_the_best_by_closures_then_fewest_off_target_over_generated_results():
    """Over many generated score sets: the chosen checkpoint closes at least as many p/b/m as every other (in
    network mode when measured), and among those that close as many, none has fewer closures off p/b/m."""
    from score_epochs import chosen, rates

    rng = random.Random(21)
    for _ in range(300):
        network = rng.random() < 0.5
        results = {}
        for index in range(rng.randint(1, 6)):
            modes = ("alone", "network") if network else ("alone",)
            results[f"epochs/{index:03d}"] = {mode: [{"closed": [rng.randint(0, 1) for _ in range(rng.randint(1, 8))],
                                                      "spurious": [float(rng.randint(0, 3))]}
                                                     for _ in range(rng.randint(1, 3))] for mode in modes}
        ranked = {name: rates(modes["network" if network else "alone"]) for name, modes in results.items()}
        best = chosen(results)
        top = max(round(closed, 4) for closed, _ in ranked.values())
        assert round(ranked[best][0], 4) == top
        assert ranked[best][1] == min(off for closed, off in ranked.values() if round(closed, 4) == top)


def test_kal_and_slt_are_held_out_however_they_are_played_and_no_other_voice_is():
    rng = random.Random(7)
    others = ["awb", "rms", "ked", "espeak:en-us", "espeak:en+klatt4", "espeak:en-gb-x-gbcwmd+f4", "kalx", "rms_slt"]
    for _ in range(200):
        speed = rng.choice(["", f"@{rng.uniform(0.7, 1.3):.2f}"])
        band = rng.choice(["", ":8k"])
        assert is_held_out(rng.choice(["kal", "slt"]) + speed + band)
        assert not is_held_out(rng.choice(others) + speed + band)
