"""Does vocal tract length normalisation of the phone search's own front end hear more p/b/m on voices the
project never tuned on? pocketsphinx warps its mel filter bank (`warp_type inverse_linear`, `warp_params`
the factor); the recogniser runs at each factor, and per clip at the factor with the best path score (how
VTLN factors are usually chosen), and closures heard at k of the factors are kept.

Recogniser level, fast mode's settings (lipwright.phones.decoders.phone_recogniser): a truth p/b/m is heard
when a recognised P, B or M lies within 35 ms of its centre; an extra closure is a recognised one with no
truth p/b/m within 35 ms. Clips: bench_lipsync's (`--clips DIR` from its --save-clips, or spoken here).
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
from lipwright.phones.decoders import pcm16, phone_search_settings, start_utterance
from lipwright.phones.phone import normalise_label

BILABIALS = {"P", "B", "M"}
NEAR = 0.035


def recognised_closures(clips: list[Clip], warp: float) -> tuple[list[list[float]], list[int]]:
    """Per clip: the centres of the recognised p/b/m (seconds) and the best path's score, at one warp factor."""
    from pocketsphinx import Decoder

    settings = phone_search_settings()
    if warp != 1.0:
        settings.update(warp_type="inverse_linear", warp_params=str(warp))
    decoder = Decoder(**settings)
    step = 1.0 / float(decoder.config["frate"])
    centres, scores = [], []
    for clip in clips:
        samples, rate = soundfile.read(str(clip.wav), dtype="float32")
        start_utterance(decoder)
        decoder.process_raw(pcm16(AudioClip(samples, rate), widen_narrowband=True), full_utt=True)
        decoder.end_utt()
        centres.append([(s.start_frame + s.end_frame + 1) / 2 * step for s in decoder.seg()
                        if normalise_label(s.word) in BILABIALS])
        scores.append(decoder.hyp().score if decoder.hyp() else -np.inf)
    return centres, scores


def heard_and_extra(clips: list[Clip], closures: list[list[float]]) -> tuple[float, float]:
    """(share of truth p/b/m heard, extra p/b/m per 100 truth ones)."""
    heard = extra = total = 0
    for clip, found in zip(clips, closures):
        truth = [(start + end) / 2 for label, start, end in clip.truth if label in BILABIALS]
        heard += sum(any(abs(t - f) <= NEAR for f in found) for t in truth)
        extra += sum(not any(abs(t - f) <= NEAR for t in truth) for f in found)
        total += len(truth)
    return heard / total, 100 * extra / total


def voted(per_warp: list[list[float]], need: int) -> list[float]:
    """Closures heard (within NEAR) at `need` or more of the warps, each kept once."""
    kept: list[float] = []
    for centre in sorted(c for found in per_warp for c in found):
        support = sum(any(abs(centre - c) <= NEAR for c in found) for found in per_warp)
        if support >= need and not any(abs(centre - k) <= NEAR for k in kept):
            kept.append(centre)
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
