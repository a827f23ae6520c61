"""Does vocal tract length normalisation of the phone search's own front end hear more p/b/m on voices the
project never tuned on? pocketsphinx warps its mel filter bank (`warp_type inverse_linear`, `warp_params`
the factor); the recogniser runs at each factor, and per clip at the factor with the best path score (how
VTLN factors are usually chosen), and closures heard at k of the factors are kept.

Recogniser level, fast mode's settings (lipwright.phones.decoders.phone_search_settings), counted as
measure_closure_evidence counts: a truth p/b/m is heard when a recognised P, B or M spans its centre (35 ms
allowed either side); an extra closure is a recognised one whose centre lies in no truth p/b/m (same allowance). Clips: bench_lipsync's (`--clips DIR` from its --save-clips, or spoken here).
Choose on the development set only: kal and slt are refused.

Run: .venv/bin/python benchmarks/measure_phone_search_warps.py [--voices dev] [--lines 3] [--warps 0.88 0.94 1 1.06 1.12]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile

from bench_lipsync import DEV_VOICES, Clip, is_held_out, load_clips, spoken_clips
from lipwright.audio.clip import AudioClip
from lipwright.demo.sentences import sentences
from measure_closure_evidence import BILABIALS, NEAR, heard_and_extra as clip_heard_and_extra
from lipwright.phones.decoders import SharedDecoder, phone_search_settings
from lipwright.phones.phone import Phone, normalise_label
from lipwright.phones.recognise import decode_segments


def recognised_closures(clips: list[Clip], warp: float) -> tuple[list[list[Phone]], list[int]]:
    """Per clip: the recognised p/b/m and the best path's score, at one warp factor."""
    from pocketsphinx import Decoder

    settings = phone_search_settings()
    if warp != 1.0:
        settings.update(warp_type="inverse_linear", warp_params=str(warp))
    shared = SharedDecoder(Decoder(**settings))
    closures, scores = [], []
    for clip in clips:
        samples, rate = soundfile.read(str(clip.wav), dtype="float32")
        segments = decode_segments(shared, AudioClip(samples, rate))
        closures.append([Phone(label, first * shared.frame_seconds, (last + 1) * shared.frame_seconds)
                         for label, first, last in ((normalise_label(w), a, b) for w, a, b in segments)
                         if label in BILABIALS])
        hypothesis = shared.decoder.hyp()
        scores.append(hypothesis.score if hypothesis else -np.inf)
    return closures, scores


def heard_and_extra(clips: list[Clip], closures: list[list[Phone]]) -> tuple[float, float]:
    """(share of truth p/b/m heard, extra p/b/m per 100 truth ones), summed over clips with
    measure_closure_evidence's own count."""
    counts = np.array([clip_heard_and_extra(clip.truth, found) for clip, found in zip(clips, closures)]).reshape(-1, 3)
    total, heard, extra = counts.sum(axis=0)
    return heard / max(total, 1), 100 * extra / max(total, 1)


def voted(per_warp: list[list[Phone]], need: int) -> list[Phone]:
    """Closures heard (centres within NEAR) at `need` or more of the warps, each kept once."""
    kept: list[Phone] = []
    for closure in sorted((c for found in per_warp for c in found), key=lambda p: p.centre):
        support = sum(any(abs(closure.centre - c.centre) <= NEAR for c in found) for found in per_warp)
        if support >= need and not any(abs(closure.centre - k.centre) <= NEAR for k in kept):
            kept.append(closure)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voices", nargs="+", default=["dev"], help="as bench_lipsync; `dev`: DEV_VOICES")
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clips", type=Path, help="clips saved by bench_lipsync.py --save-clips")
    parser.add_argument("--warps", type=float, nargs="+", default=[0.88, 0.94, 1.0, 1.06, 1.12])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if args.clips:
            clips = load_clips(args.clips)
        else:
            voices = [v for voice in args.voices for v in (DEV_VOICES if voice == "dev" else (voice,))]
            clips = spoken_clips(voices, sentences(2 * args.lines, seed=args.seed), args.lines, [1.0, 0.8], Path(scratch))
        if any(is_held_out(clip.voice) for clip in clips):
            parser.error("kal and slt are held out: choose on the development set")
        runs = {warp: recognised_closures(clips, warp) for warp in args.warps}
    print(f"{len(clips)} clips; p/b/m heard / extra per 100 truth p/b/m\n\n| phone search | heard | extra per 100 |\n|---|---|---|")
    for warp, (closures, _) in runs.items():
        print("| warp %.2f | %.3f | %.1f |" % (warp, *heard_and_extra(clips, closures)))
    best = [max(args.warps, key=lambda w: runs[w][1][i]) for i in range(len(clips))]
    print("| best path score per clip | %.3f | %.1f |" % heard_and_extra(clips, [runs[w][0][i] for i, w in enumerate(best)]))
    for need in range(1, len(args.warps) + 1):
        closures = [voted([runs[w][0][i] for w in args.warps], need) for i in range(len(clips))]
        print("| heard at %d of %d warps | %.3f | %.1f |" % (need, len(args.warps), *heard_and_extra(clips, closures)))


if __name__ == "__main__":
    main()
