"""Can the sound itself confirm or rescue the p/b/m closures that recognition without a transcript
finds? Measured on tuning voices only (flite awb/rms, festival ked, their 8 kHz copies, espeak-ng).

Recogniser level, fast mode (allphone): a truth p/b/m is heard when a recognised P, B or M lies within
35 ms of its centre; an extra closure is a recognised P/B/M with no truth p/b/m within 35 ms.
Truth: flite's and festival's own phone timings; for espeak-ng (which prints none) the transcript
aligned by lipwright.phones.align, which closes every p/b/m on the voices measured so far.

1. Rejection: a recognised P or B whose quietest 25 ms above 1 kHz (1-3.8 kHz, in dB below the
   clip's loud speech) stays above a ceiling was not a closure; relabel it T or D. Printed for
   a few ceilings, and for P or B alone.
2. Rescue: a recognised T/D/K/G or N that sits on a missed p/b/m, told from the others by the lowered
   second formant at the neighbouring vowel edges (LPC at 8 kHz). Printed as the area under the ROC
   curve (0.5 = no information) of the edge F2 in Hz, and of the same minus the clip's median F2
   (the speaker's own range), and of the F2 change into the consonant.

Run: .venv/bin/python benchmarks/measure_closure_evidence.py [--lines 3] [--seeds 2026 7]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile
import soxr
from scipy.linalg import solve_toeplitz

from bench_lipsync import speak_with_truth
from lipwright.audio.clip import AudioClip
from lipwright.demo.sentences import sentences
from lipwright.demo.speech import synthesize
from lipwright.phones.align import align_phones
from lipwright.phones.phone import Phone
from lipwright.phones.recognise import recognise_phones

BILABIALS = {"P", "B", "M"}
NEAR = 0.035
RATE, WINDOW, HOP = 8000, 200, 40  # 25 ms windows every 5 ms, below 4 kHz only (8 kHz audio reads alike)


def high_band_db(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hop times, the 1-3.8 kHz level and the 0-4 kHz level in dB below the loud speech, and the
    8 kHz windows themselves."""
    x = soxr.resample(samples, sample_rate, RATE) if sample_rate != RATE else samples
    windows = np.lib.stride_tricks.sliding_window_view(x, WINDOW)[::HOP] * np.hanning(WINDOW)
    power = np.abs(np.fft.rfft(windows, axis=1)) ** 2
    f = np.fft.rfftfreq(WINDOW, 1 / RATE)
    total = 10 * np.log10(power.sum(axis=1) + 1e-12)
    loud = np.percentile(total, 95)
    high = 10 * np.log10(power[:, (f >= 1000) & (f < 3800)].sum(axis=1) + 1e-12) - loud
    return (np.arange(len(windows)) * HOP + WINDOW / 2) / RATE, high, total - loud, windows


def second_formants(windows: np.ndarray, level_db: np.ndarray) -> np.ndarray:
    """F2 per window by LPC (order 10, pre-emphasised) where the window is loud; NaN elsewhere."""
    f2 = np.full(len(windows), np.nan)
    for i in np.flatnonzero(level_db > -25):
        w = np.append(windows[i][0], windows[i][1:] - 0.7 * windows[i][:-1])
        r = np.correlate(w, w, "full")[WINDOW - 1:WINDOW + 11]
        if r[0] <= 0:
            continue
        roots = np.roots(np.r_[1.0, solve_toeplitz(r[:10], -r[1:11])])
        roots = roots[np.imag(roots) > 0]
        freq, bandwidth = np.angle(roots) * RATE / (2 * np.pi), -np.log(np.abs(roots)) * RATE / np.pi
        formants = np.sort(freq[(bandwidth < 500) & (freq > 200) & (freq < 3700)])
        if len(formants) >= 2:
            f2[i] = formants[1]
    return f2


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    keep = ~np.isnan(score)
    score, positive = score[keep], positive[keep]
    n_pos, n_neg = positive.sum(), (~positive).sum()
    if not n_pos or not n_neg:
        return float("nan")
    ranks = np.argsort(np.argsort(score)) + 1
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def espeak_with_aligned_truth(text: str, voice: str, wav: Path):
    synthesize(text, wav, engine="espeak-ng", voice=voice)
    samples, rate = soundfile.read(str(wav), dtype="float32")
    pad = np.zeros(rate // 2, dtype=np.float32)
    samples = np.concatenate([pad, samples, pad])
    truth = [(p.label, p.start, p.end) for p in align_phones(AudioClip(samples, rate), text)]
    return samples, rate, truth


def heard_and_extra(truth, phones) -> tuple[int, int, int]:
    centres = [0.5 * (s + e) for label, s, e in truth if label in BILABIALS]
    closures = [p for p in phones if p.label in BILABIALS]
    heard = sum(any(p.start - NEAR <= c <= p.end + NEAR for p in closures) for c in centres)
    extra = sum(not any(label in BILABIALS and s - NEAR <= p.centre <= e + NEAR for label, s, e in truth)
                for p in closures)
    return len(centres), heard, extra


def quietest(times: np.ndarray, level: np.ndarray, phone: Phone) -> float:
    first = min(int(np.searchsorted(times, phone.start)), len(times) - 1)
    return float(level[first:max(int(np.searchsorted(times, phone.end)), first + 1)].min())


def rescue_rows(truth, phones, times, f2) -> list[tuple[bool, float, float, float]]:
    """Per recognised T/D/K/G/N: (sits on a missed truth p/b/m, lowest edge F2, that minus the clip's
    median F2, the larger F2 change from 30-50 ms away to the edge; labials lower F2 at both edges)."""
    rows = []
    median = np.nanmedian(f2)
    closures = [p for p in phones if p.label in BILABIALS]
    for phone in phones:
        if phone.label not in {"T", "D", "K", "G", "N"}:
            continue
        under = [0.5 * (s + e) for label, s, e in truth if label in BILABIALS and s <= phone.centre < e]
        missed = bool(under) and not any(p.start - NEAR <= under[0] <= p.end + NEAR for p in closures)
        a, b = np.searchsorted(times, phone.start), np.searchsorted(times, phone.end)
        left, right = f2[max(a - 3, 0):a], f2[b:b + 3]
        far_left, far_right = f2[max(a - 10, 0):max(a - 6, 0)], f2[b + 6:b + 10]
        edge = _nan_safe(np.nanmin, np.r_[left, right])
        change = _nan_safe(np.nanmax, np.array([_nan_safe(np.nanmedian, near) - _nan_safe(np.nanmedian, far)
                                                for near, far in ((left, far_left), (right, far_right))]))
        rows.append((missed, edge, edge - median, change))
    return rows


def _nan_safe(reduce, values: np.ndarray) -> float:
    """reduce(values) over the values that are not NaN; NaN when there are none."""
    return float(reduce(values)) if np.any(~np.isnan(values)) else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[2026, 7])
    parser.add_argument("--voices", nargs="+", default=["awb", "rms", "ked", "awb:8k", "rms:8k"])
    parser.add_argument("--espeak", nargs="+",
                        default=["en-us", "en-gb", "en-us+f3", "en-us+m3", "en-gb+f4", "en-us+f2"])
    args = parser.parse_args()
    rules = {"none": lambda phone, q: False}
    for ceiling in (-50, -45, -40):
        rules[f"P/B quietest > {ceiling} dB"] = lambda phone, q, c=ceiling: q > c
    rules["P alone, > -50 dB"] = lambda phone, q: phone.label == "P" and q > -50
    rules["B alone, > -50 dB"] = lambda phone, q: phone.label == "B" and q > -50
    clips = {"flite/festival": [], "espeak-ng": []}
    with tempfile.TemporaryDirectory() as scratch:
        for seed in args.seeds:
            texts = sentences(2 * args.lines, seed=seed)
            for i in range(args.lines):
                for voice in args.voices:
                    wav = Path(scratch) / f"{voice.replace(':', '-')}-{seed}-{i}.wav"
                    clip = speak_with_truth(texts[2 * i:2 * i + 2], voice, wav, (1.0, 0.8)[i % 2])
                    samples, rate = soundfile.read(str(wav), dtype="float32")
                    clips["flite/festival"].append((samples, rate, clip.truth))
                for voice in args.espeak:
                    wav = Path(scratch) / f"espeak-{seed}-{i}.wav"
                    text = " ".join(texts[2 * i:2 * i + 2])
                    clips["espeak-ng"].append(espeak_with_aligned_truth(text, voice, wav))
    print("1. Rejection (recogniser level, fast mode)\n")
    print("| voices | rule | p/b/m heard (n) | extra p/b/m per 100 |\n|---|---|---|---|")
    rescue: dict[str, list] = {family: [] for family in clips}
    for family, members in clips.items():
        totals = {name: np.zeros(3) for name in rules}
        for samples, rate, truth in members:
            phones = recognise_phones(AudioClip(samples, rate))
            times, level, whole, windows = high_band_db(samples, rate)
            levels = {p: quietest(times, level, p) for p in phones if p.label in ("P", "B")}
            for name, rule in rules.items():
                checked = [Phone({"P": "T", "B": "D"}[p.label], p.start, p.end)
                           if p in levels and rule(p, levels[p]) else p for p in phones]
                totals[name] += heard_and_extra(truth, checked)
            rescue[family] += rescue_rows(truth, phones, times, second_formants(windows, whole))
        for name, (n, heard, extra) in totals.items():
            print(f"| {family} | {name} | {heard / n:.3f} ({int(n)}) | {100 * extra / n:.1f} |")
    print("\n2. Rescue: recognised T/D/K/G/N on a missed p/b/m against the rest (AUC; 0.5 = no information)\n")
    for family, found in rescue.items():
        rows = np.array([r[1:] for r in found], dtype=float)
        missed = np.array([r[0] for r in found])
        print(f"{family}: {missed.sum()} on a missed p/b/m of {len(missed)}")
        for column, name in enumerate(("edge F2, Hz", "edge F2 - clip median F2", "F2 change into the consonant")):
            print(f"- {name}: {auc(-rows[:, column], missed):.2f}")


if __name__ == "__main__":
    main()
