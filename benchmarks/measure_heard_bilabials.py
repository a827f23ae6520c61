"""How recognition "network" should weigh the phone search's consonants by the p/b/m the networks'
phone heads hear (phones/heard_bilabials.py): its `confirm` and `keep` thresholds swept on the
unseen-voice development set, through the product's own path (the search's phones, the heads' mean,
the hearing run's sealed spans and jaw, the rules' visemes), beside the same without weighing.

Also printed, to say how much the heads know: over the search's recognised P/B/M, how well the heads'
highest p/b/m probability near each tells a true one (a truth p/b/m within 35 ms) from a false one,
and over truth consonants, how well it tells p/b/m from the consonants they are misheard as (area
under the ROC curve; 0.5 is no information). kal and slt are refused: choose here, then measure
them once with bench_lipsync.py.

Run: .venv/bin/python benchmarks/measure_heard_bilabials.py [--clips DIR | --voices dev --lines 3]
     [--confirm 0.5 0.3 0.2] [--keep 0 0.05 0.1]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from bench_lipsync import FPS, Clip, clips_for, is_held_out
from lipwright.audio.clip import AudioClip
from lipwright.audio.dereverberate import dereverberated
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.models.network_hearing import Heard, NetworkHearing, open_jaw_as_heard
from lipwright.models.phonemes import weights_for_phones
from lipwright.phones.closures import BILABIAL_FOR, BILABIAL_LABELS
from lipwright.phones.heard_bilabials import checked_by_networks, highest_near
from lipwright.phones.phone import Phone
from lipwright.phones.recognise import recognise_phones

NEAR = 0.035  # a recognised P/B/M this close to a truth p/b/m is a true one


def area_under_roc(scores: list[float], positive: list[bool]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    scores_, positive_ = np.asarray(scores, dtype=float), np.asarray(positive, dtype=bool)
    pos, neg = scores_[positive_], scores_[~positive_]
    if not len(pos) or not len(neg):
        return float("nan")
    return float(((pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None])).mean())


def highest(bilabial: np.ndarray, start: float, end: float, fps: float) -> float:
    """What the weighing reads near [start, end); nothing heard counts as no p/b/m."""
    return float(np.nan_to_num(highest_near(bilabial, start, end, fps)))


def separations(clips: list[Clip], heard: list[Heard], searched: list[list[Phone]]) -> tuple[float, float, int, int]:
    """(AUC of recognised P/B/M true against false, AUC of truth p/b/m against the consonants misheard
    for them, recognised P/B/M, how many of them false)."""
    recognised, truth = [], []
    for clip, what, phones in zip(clips, heard, searched):
        centres = [0.5 * (start + end) for label, start, end in clip.truth if label.upper() in BILABIAL_LABELS]
        for phone in (p for p in phones if p.label in BILABIAL_LABELS):
            true = any(phone.start - NEAR <= centre <= phone.end + NEAR for centre in centres)
            recognised.append((highest(what.bilabial, phone.start, phone.end, what.bilabial_fps), true))
        for label, start, end in clip.truth:
            if label.upper() in BILABIAL_LABELS or label.upper() in BILABIAL_FOR:
                truth.append((highest(what.bilabial, start, end, what.bilabial_fps), label.upper() in BILABIAL_LABELS))
    return (area_under_roc(*zip(*recognised)), area_under_roc(*zip(*truth)), len(recognised),
            sum(not true for _, true in recognised))


def scored(clips: list[Clip], audio: list[AudioClip], heard: list[Heard], searched: list[list[Phone]],
           confirm: float | None, keep: float) -> list[dict]:
    """Per-clip lip-sync scores of recognition "network" at these thresholds (confirm None: no weighing)."""
    scores = []
    for clip, sound, what, phones in zip(clips, audio, heard, searched):
        lips = what.lips(FPS)
        if confirm is None:
            lips = type(lips)(lips.sealed, None, lips.fps)
        checked = checked_by_networks(phones, lips, sound.seconds, confirm or 0.0, keep)
        weights = open_jaw_as_heard(weights_for_phones(checked, sound, FPS), what.weights)
        scores.append(lipsync_scores(clip.truth, *opening_and_rest(weights), FPS))
    return scores


def row(name: str, scores: list[dict]) -> str:
    merged = {key: [value for s in scores for value in s[key]] for key in ("closed", "spurious", "opened", "rest")}
    closed = len(merged["closed"])
    return (f"| {name} | {np.mean(merged['closed']):.3f} ({closed}) | {100 * sum(merged['spurious']) / max(closed, 1):.1f} "
            f"| {np.mean(merged['opened']):.3f} ({len(merged['opened'])}) | {np.mean(merged['rest']):.3f} ({len(merged['rest'])}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=Path, help="clips saved by bench_lipsync.py --save-clips")
    parser.add_argument("--voices", nargs="+", default=["dev"])
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--rates", nargs="+", type=float, default=[1.0, 0.8])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--confirm", nargs="+", type=float, default=[0.5, 0.3, 0.25, 0.2, 0.15])
    parser.add_argument("--keep", nargs="+", type=float, default=[0.0, 0.05, 0.1, 0.15, 0.2])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    args = parser.parse_args()
    if any(is_held_out(voice) for voice in args.voices if not args.clips):
        parser.error("kal and slt are held out: choose on the development set, then measure them once with bench_lipsync.py")
    with tempfile.TemporaryDirectory() as scratch:
        clips = clips_for(args, Path(scratch))
        if any(is_held_out(clip.voice) for clip in clips):
            parser.error("the saved clips hold kal or slt, which are held out: save the development set instead")
        audio = [AudioClip(*soundfile.read(str(clip.wav), dtype="float32")) for clip in clips]
        hearing = NetworkHearing(args.device)
        as_heard = [dereverberated(sound) for sound in audio]  # as recognition hears them (phones/track.py)
        heard = [hearing(sound, FPS) for sound in as_heard]
        searched = [recognise_phones(sound) for sound in as_heard]
    recognised_auc, truth_auc, count, false = separations(clips, heard, searched)
    print(f"{len(clips)} clips; the heads' mean p/b/m: recognised P/B/M true against false AUC {recognised_auc:.3f} "
          f"({count}, {false} false), truth p/b/m against the consonants misheard for them AUC {truth_auc:.3f}\n")
    print("| confirm, keep | p/b/m closed (n) | closures off p/b/m per 100 | open vowels opened (n) | rest in pauses (n) |")
    print("|---|---|---|---|---|")
    print(row("not weighed", scored(clips, audio, heard, searched, None, 0.0)))
    for confirm in args.confirm:
        for keep in (k for k in args.keep if k <= confirm):
            print(row(f"{confirm:g}, {keep:g}", scored(clips, audio, heard, searched, confirm, keep)))


if __name__ == "__main__":
    main()
