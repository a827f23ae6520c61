"""Score every checkpoint a training run kept (`lipwright train --keep-epochs`: RUN/epochs/NNN, and RUN/best)
on voices the corpus lacks, and name the one to ship.

Why: the validation loss measures the corpus's own voices, and on the unseen-voice development set it did not
predict which checkpoint closes the lips (RESULTS.md, "GLDiTalker fine-tuned further on the CPU"). Per
checkpoint: the network alone, without a transcript, and with --network recognition "network" with that
checkpoint as the network that hears closures (the phonemes model's own path, models/phonemes.py). Chosen: the
most p/b/m closed (in network mode when it is measured), then the fewest closures off p/b/m. kal and slt are
refused: choose on the development set, then measure the chosen one once with bench_lipsync.py.

The clips are bench_lipsync's (its voices, sentences and truth), spoken here or loaded with --clips from a folder
bench_lipsync.py --save-clips wrote, so that a machine with no speech engine (a lent GPU) can score its epochs.

Run: .venv/bin/python benchmarks/score_epochs.py RUN [--voices dev --lines 3 | --clips DIR] [--network [--no-heads]]
     [--thresholds 0.1 0.2 0.3] [--device cuda] [--keep-chosen DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench_lipsync import Clip, clips_for, is_held_out, lipwright_output, score, summarise
from lipwright.devices import resolve_device
from lipwright.models.run_folders import CONFIG_FILE
from lipwright.models.trained_run import TrainedRunModel


def kept_checkpoints(run: Path) -> dict[str, Path]:
    """'epochs/001'... then 'best' -> checkpoint folder, for those the run holds."""
    found = {f"epochs/{folder.name}": folder for folder in sorted((run / "epochs").glob("*"))
             if (folder / CONFIG_FILE).is_file()}
    if (run / "best" / CONFIG_FILE).is_file():
        found["best"] = run / "best"
    return found


def at_threshold(folder: Path, threshold: float, scratch: Path) -> Path:
    """A copy of the checkpoint that commits lip contact at `threshold` (its config's contact_threshold)."""
    copy = scratch / f"{folder.parent.name}-{folder.name}-at-{threshold:g}"
    shutil.copytree(folder, copy)
    config = json.loads((copy / CONFIG_FILE).read_text())
    if "contact_threshold" not in config.get("settings", {}):
        raise SystemExit(f"{folder} has no contact decisions to set a threshold for: leave out --thresholds")
    config["settings"]["contact_threshold"] = threshold
    (copy / CONFIG_FILE).write_text(json.dumps(config, indent=1))
    return copy


def rates(scores: list[dict[str, list[float]]]) -> tuple[float, int]:
    """(p/b/m closed, closures off p/b/m) over the clips: what the choice ranks by."""
    closed = [value for s in scores for value in s["closed"]]
    return sum(closed) / max(len(closed), 1), int(sum(sum(s["spurious"]) for s in scores))


def score_checkpoint(folder: Path, clips: list[Clip], device: str, network: bool,
                     heads: bool = True) -> dict[str, list]:
    """{'alone': per-clip scores, 'network': ...} for one checkpoint."""
    model = TrainedRunModel(folder, resolve_device(device), name=folder.name)
    scores = {"alone": [score(clip, lipwright_output(model, clip, None, "fast")) for clip in clips]}
    if network:
        from lipwright.models.network_hearing import NetworkHearing
        from lipwright.models.phonemes import PhonemeModel

        phonemes = PhonemeModel()
        # This checkpoint hears the closures (and lends its phone head, if any, beside the shipped listening runs').
        phonemes.hearing = NetworkHearing(device, run_folder=folder, phone_heads=heads)
        scores["network"] = [score(clip, lipwright_output(phonemes, clip, None, "network")) for clip in clips]
    return scores


def chosen(results: dict[str, dict[str, list]]) -> str:
    """The checkpoint with the most p/b/m closed (network mode when measured), then the fewest off p/b/m."""
    def rank(name: str) -> tuple[float, int]:
        scores = results[name]
        closed, off = rates(scores.get("network") or scores["alone"])
        return round(closed, 4), -off
    return max(results, key=rank)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", type=Path, help="a run folder trained with --keep-epochs")
    parser.add_argument("--voices", nargs="+", default=["dev"], help="as bench_lipsync; `dev`: its DEV_VOICES")
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--rates", nargs="+", type=float, default=[1.0, 0.8])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clips", type=Path, help="clips saved by bench_lipsync.py --save-clips")
    parser.add_argument("--network", action="store_true", help="also score recognition 'network' with each")
    parser.add_argument("--no-heads", action="store_true",
                        help="with --network, let no phone head listen: each checkpoint's contact decisions alone "
                             "(the shipped heads close most p/b/m by themselves, hiding what a checkpoint adds)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    parser.add_argument("--thresholds", nargs="+", type=float,
                        help="score each checkpoint at each of these contact thresholds (default: its own)")
    parser.add_argument("--keep-chosen", type=Path, help="copy the chosen checkpoint folder here (with the chosen "
                                                          "threshold written in its config)")
    args = parser.parse_args()
    checkpoints = kept_checkpoints(args.run)
    if not checkpoints:
        parser.error(f"{args.run} holds no epochs/NNN or best/ checkpoint: train it with --keep-epochs")
    if args.no_heads and not args.network:
        parser.error("--no-heads changes only the --network scores: add --network")
    voices = args.voices if not args.clips else []
    if any(is_held_out(voice) for voice in voices):
        parser.error("kal and slt are held out: choose on the development set, then measure them once with bench_lipsync.py")
    with tempfile.TemporaryDirectory() as scratch:
        clips = clips_for(args, Path(scratch))
        if any(is_held_out(clip.voice) for clip in clips):
            parser.error("the saved clips hold kal or slt, which are held out: save the development set instead")
        if args.thresholds:
            checkpoints = {f"{name} at {threshold:g}": at_threshold(folder, threshold, Path(scratch))
                           for name, folder in checkpoints.items() for threshold in args.thresholds}
        results = {name: score_checkpoint(folder, clips, args.device, args.network, not args.no_heads)
                   for name, folder in checkpoints.items()}
        best = chosen(results)
        if args.keep_chosen:
            shutil.copytree(checkpoints[best], args.keep_chosen, dirs_exist_ok=True)
    seconds = sum(clip.seconds for clip in clips)
    print(f"{len(clips)} clips of {', '.join(dict.fromkeys(c.voice for c in clips))}, {seconds:.1f} s of audio\n")
    print("| checkpoint, mode | p/b/m closed (n) | closures off p/b/m per 100 | open vowels opened (n) "
          "| rest in pauses (n) | lag, frames | correlation | s per clip | RTF |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, modes in results.items():
        for mode, scores in modes.items():
            print(summarise(f"{name}, {mode}", scores, seconds))
    print(f"\nchosen: {best}")


if __name__ == "__main__":
    main()
