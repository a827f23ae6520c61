"""How recognition "network" was chosen: the phone search's closures and openings with what a shipped
network hears added in several ways, scored like bench_lipsync (its clips, truth and measures).

Choose on the unseen-voice development set only (the default); kal and slt are for one measurement after
the choice, with bench_lipsync.py itself. Each network runs once per clip and every variant reuses it.

Run: .venv/bin/python benchmarks/measure_network_hearing.py [--voices dev] [--lines 3] [--seed 2026]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile
import soxr

from bench_lipsync import DEV_VOICES, FPS, is_held_out, spoken_clips, summarise
from measure_unseen_voices import warped_filters
from lipwright.audio.clip import AudioClip
from lipwright.demo.sentences import sentences
from lipwright.metrics.lipsync import SEALED, lipsync_scores, opening_and_rest
from lipwright.models.base import AnimationRequest
from lipwright.models.network_hearing import frame_spans, open_jaw_as_heard
from lipwright.models.phonemes import weights_for_phones
from lipwright.models.run_folders import SHIPPED_MODELS_DIR
from lipwright.models.trained_run import TrainedRunModel
from lipwright.motion.visemes import mouth_opening
from lipwright.phones.closures import add_sealed_spans
from lipwright.phones.track import phones_for_clip


def heard(model: TrainedRunModel, clip: AudioClip, seed: int = 0, warp: float = 1.0) -> np.ndarray:
    """The network's weights for the clip; warp: its mel filter bank's band edges moved by this factor
    (test-time vocal tract length normalisation, as training's `warp` perturbs them)."""
    with warped_filters(warp):
        return model.animate(AnimationRequest(clip=clip, fps=FPS, seed=seed, offsets=False)).weights


def sealed_at_speed(model: TrainedRunModel, clip: AudioClip, speed: float) -> np.ndarray:
    """Per frame of the clip: did the network seal the lips while hearing it played at `speed` (resampled,
    so pitch and formants move with it, as Kaldi's speed perturbation)? A frame counts as sealed when any
    frame of the played motion that falls within it is (a brief seal survives the mapping back)."""
    played = soxr.resample(clip.samples, clip.sample_rate, clip.sample_rate / speed).astype(np.float32)
    sealed = mouth_opening(heard(model, AudioClip(played, clip.sample_rate))) <= SEALED
    frames = int(round(clip.seconds * FPS))
    first = np.clip(np.floor(np.arange(frames) / speed).astype(int), 0, len(sealed) - 1)
    last = np.clip(np.floor(np.arange(1, frames + 1) / speed).astype(int), first + 1, len(sealed))
    return np.array([sealed[a:b].any() for a, b in zip(first, last)])


def variants(clip: AudioClip, gld: TrainedRunModel, jt: TrainedRunModel) -> dict[str, np.ndarray]:
    fast, accurate = (phones_for_clip(clip, None, mode).phones for mode in ("fast", "accurate"))
    g0, g1, j = heard(gld, clip, 0), heard(gld, clip, 1), heard(jt, clip)
    warped = [heard(gld, clip, 0, warp) for warp in (0.85, 0.92, 1.08, 1.18)]
    speeds = {speed: sealed_at_speed(gld, clip, speed) for speed in (0.8, 0.9, 1.1, 1.2)}

    def closing_masks(phones, *masks, need=1):
        """`phones` with the closures heard where at least `need` of the per-frame seal masks agree."""
        frames = min(len(mask) for mask in masks)
        votes = np.sum([mask[:frames] for mask in masks], axis=0)
        return add_sealed_spans(phones, frame_spans(votes >= need, FPS), clip.seconds)

    def closing(phones, *motions, need=1, seal=SEALED):
        """`phones` with the closures heard where at least `need` of `motions` open the mouth no more than `seal`."""
        return closing_masks(phones, *(mouth_opening(motion) <= seal for motion in motions), need=need)

    def network(phones):
        return open_jaw_as_heard(weights_for_phones(phones, clip, FPS), g0)

    chosen = weights_for_phones(closing(fast, g0), clip, FPS)
    return {
        "fast": weights_for_phones(fast, clip, FPS),
        "accurate": weights_for_phones(accurate, clip, FPS),
        "fast + jambatalk sealed": weights_for_phones(closing(fast, j), clip, FPS),
        "fast + gldtalker sealed": chosen,
        "fast + gldtalker sealed, seed 0 or 1": weights_for_phones(closing(fast, g0, g1), clip, FPS),
        "fast + gldtalker sealed, seeds 0 and 1": weights_for_phones(closing(fast, g0, g1, need=2), clip, FPS),
        "fast + gldtalker or jambatalk sealed": weights_for_phones(closing(fast, g0, j), clip, FPS),
        "accurate + gldtalker sealed": weights_for_phones(closing(accurate, g0), clip, FPS),
        "fast + gldtalker sealed + its jaw (network)": open_jaw_as_heard(chosen, g0),
        "fast + gldtalker sealed + 0.8 x its jaw": open_jaw_as_heard(chosen, 0.8 * g0),
        "network, sealed under any of warps 0.92, 1, 1.08": network(closing(fast, g0, warped[1], warped[2])),
        **{f"network, sealed under {need} of warps 0.85-1.18 (5)": network(closing(fast, g0, *warped, need=need))
           for need in (1, 2, 3)},
        **{f"network, sealed at opening <= {seal}": network(closing(fast, g0, seal=seal)) for seal in (0.02, 0.04, 0.07)},
        **{f"network, sealed as played or at speed {speed}": network(closing_masks(fast, mouth_opening(g0) <= SEALED, mask))
           for speed, mask in speeds.items()},
        **{f"network, sealed in {need} of speeds 0.8-1.2 (5)": network(
            closing_masks(fast, mouth_opening(g0) <= SEALED, *speeds.values(), need=need)) for need in (2, 3)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voices", nargs="+", default=["dev"], help="as bench_lipsync; `dev`: DEV_VOICES")
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    voices = [v for voice in args.voices for v in (DEV_VOICES if voice == "dev" else (voice,))]
    if any(is_held_out(v) for v in voices):
        parser.error("kal and slt are held out: choose on the development set, then measure them once with bench_lipsync.py")
    gld, jt = (TrainedRunModel(SHIPPED_MODELS_DIR / name, "cpu") for name in ("gldtalker-synthetic", "jambatalk-synthetic"))
    scores: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as scratch:
        clips = spoken_clips(voices, sentences(2 * args.lines, seed=args.seed), args.lines, [1.0, 0.8], Path(scratch))
        for clip in clips:
            samples, rate = soundfile.read(str(clip.wav), dtype="float32")
            for name, weights in variants(AudioClip(samples, rate), gld, jt).items():
                opening, rest = opening_and_rest(weights)
                scores.setdefault(name, []).append({**lipsync_scores(clip.truth, opening, rest, FPS), "seconds": [1e-9]})
    print(f"{len(clips)} clips of {', '.join(voices)}; closed / off p/b/m per 100 / opened / rest (times not measured)\n")
    print("| variant | p/b/m closed (n) | closures off p/b/m per 100 | open vowels opened (n) | rest in pauses (n) "
          "| lag, frames | correlation | - | - |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rows in scores.items():
        print(summarise(name, rows, 0.0))


if __name__ == "__main__":
    main()
