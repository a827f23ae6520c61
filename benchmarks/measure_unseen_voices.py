"""Why do the trained models miss p/b/m closures on voices they never heard? Measured on the
unseen-voice development set of bench_lipsync (DEV_VOICES) beside voices the corpus trained on; the
CMU voices kal and slt are never heard here.

1. The sound: per voice, speech loudness (dBFS), median pitch (Hz), spectral tilt (dB per octave of
   the long-term log-mel), the share of power above 4 kHz, and what the network's log-mel features
   look like after the encoder's own per-band mean removal: their spread over speech frames and the
   speech-to-pause contrast.
2. The decisions: each network's contact probability ("lips sealed") at every truth p/b/m centre
   (the highest within a frame, as the closure measure looks) and on all other speech frames; if it
   rises at p/b/m but stays under the threshold the fault is calibration, if it does not rise the
   features do not carry the closure for that voice.
3. Inference-side fixes, each with the contact threshold swept (the network runs once per fix: its
   raw weights and contact logits are kept and committed again at each threshold, exactly as
   models/parts/contacts.apply_contacts does): loudness normalisation, per-utterance variance
   normalisation of the log-mel to the training voices' spread, a 4 kHz band limit, and test-time
   vocal tract length normalisation ("vtln": the network hears the clip through mel filter banks
   warped by several factors, as training's `warp` does, and a lip closure found under any of them
   counts: the highest sealed probability per frame; the motion and the rest decision are the
   unwarped pass's).

Clips: one generated sentence each, with 0.5 s pauses around it (shorter than one inference window,
so every clip is one forward pass). Seeded (--seed): the same sentences and voices give the same table.

Run: .venv/bin/python benchmarks/measure_unseen_voices.py [--lines 4] [--models NAME|RUN ...] [--fixes none vtln ...]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile
import soxr
import torch

from bench_lipsync import DEV_VOICES, FPS, HELD_OUT, Clip, Unalignable, speak_with_truth
from lipwright.audio.clip import AudioClip
from lipwright.encoders.log_mel import LogMelEncoder
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.models import jambatalk
from lipwright.models.base import AnimationRequest
from lipwright.models.parts import contacts
from lipwright.models.trained_run import TrainedRunModel

SHIPPED = Path(__file__).resolve().parents[1] / "backend" / "lipwright" / "shipped_models"
MODELS = ("jambatalk-synthetic", "gldtalker-synthetic", "landmarks-synthetic")
TUNING = ("awb", "rms", "ked", "espeak:en-us")  # voices the corpus was spoken by
THRESHOLDS = (0.5, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05)
BILABIALS = ("P", "B", "M")


# -- the clips --
def make_clips(voices: list[str], texts: list[str], folder: Path) -> list[Clip]:
    clips = []
    for voice in voices:
        for i, text in enumerate(texts):
            if voice.partition(":")[0] in HELD_OUT or voice.partition("@")[0] in HELD_OUT:
                raise SystemExit("kal and slt are for the final measurement only, never for this diagnosis")
            wav = folder / f"{voice.replace(':', '-').replace('@', '-').replace('/', '-')}-{i}.wav"
            try:
                clips.append(speak_with_truth([text], voice, wav, (1.0, 0.8)[i % 2]))
            except Unalignable:
                print(f"(left out {voice} line {i}: the transcript would not align)")
    return clips


def samples_of(clip: Clip) -> np.ndarray:
    return soundfile.read(str(clip.wav), dtype="float32")[0]


# -- 1. the sound --
def sound_statistics(samples: np.ndarray, encoder: LogMelEncoder) -> dict[str, float]:
    frame = 400
    frames = np.lib.stride_tricks.sliding_window_view(samples, frame)[::160]
    level = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
    speech = level > level.max() - 30
    pause = level < level.max() - 50
    with torch.no_grad():
        spectrum = torch.stft(torch.from_numpy(samples)[None], n_fft=400, hop_length=160, window=encoder.window,
                              center=True, return_complex=True).abs() ** 2
        mel = torch.log(torch.matmul(encoder.filters, spectrum) + 1e-6)[0].numpy()  # (mels, steps)
    steps = min(mel.shape[1], len(speech))
    mel, speech, pause = mel[:, :steps], speech[:steps], pause[:steps]
    centred = mel - mel.mean(axis=1, keepdims=True)  # what the encoder passes on
    envelope = mel[:, speech].mean(axis=1)
    config = encoder.config
    from lipwright.audio.mel import hz_to_mel, mel_to_hz

    centres = mel_to_hz(np.linspace(hz_to_mel(config.low_hz), hz_to_mel(config.high_hz), config.mels + 2)[1:-1])
    band = centres > 300
    tilt = np.polyfit(np.log2(centres[band]), envelope[band] * 10 / np.log(10), 1)[0]
    power = np.abs(np.fft.rfft(samples)) ** 2
    hz = np.fft.rfftfreq(len(samples), 1 / 16000)
    return {"loudness_db": float(10 * np.log10(np.mean(frames[speech] ** 2))),
            "pitch_hz": median_pitch(frames[speech]),
            "tilt_db_per_octave": float(tilt),
            "above_4k_db": float(10 * np.log10(power[hz > 4000].sum() / power.sum() + 1e-12)),
            "feature_spread": float(centred[:, speech].std(axis=1).mean()),
            "speech_pause_contrast": float((mel[:, speech].mean() - mel[:, pause].mean()) if pause.any() else np.nan)}


def median_pitch(frames: np.ndarray) -> float:
    """Median F0 of the voiced frames (normalised autocorrelation peak over 0.5 between 60 and 400 Hz)."""
    pitches = []
    for frame in frames[::2]:
        frame = frame - frame.mean()
        correlation = np.correlate(frame, frame, "full")[len(frame) - 1:]
        if correlation[0] <= 0:
            continue
        lags = np.arange(16000 // 400, 16000 // 60)
        best = lags[np.argmax(correlation[lags])]
        if correlation[best] / correlation[0] > 0.5:
            pitches.append(16000 / best)
    return float(np.median(pitches)) if pitches else float("nan")


# -- 2 and 3. the decisions, with a fix --
@contextmanager
def captured_decisions(store: list):
    """Keeps (raw weights, contact logits) of every commit the networks make, and commits as usual."""
    def keep(weights, logits, threshold=0.5):
        store.append((weights.detach().float().cpu().numpy(), logits.detach().float().cpu().numpy()))
        return original(weights, logits, threshold)

    original = contacts.apply_contacts
    contacts.apply_contacts, jambatalk.apply_contacts = keep, keep
    try:
        yield store
    finally:
        contacts.apply_contacts, jambatalk.apply_contacts = original, original


@contextmanager
def feature_fix(transform: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None):
    """The encoder's log-mel (mean-removed, per band) passed through `transform(log_mel, real)`, real:
    (batch, 1, steps) 1 on the clip's own steps, 0 on padding."""
    original = LogMelEncoder.log_mel

    def fixed(self, audio, lengths=None):
        log_mel = original(self, audio, lengths)
        steps = torch.arange(log_mel.shape[-1])[None, :]
        real = torch.ones_like(steps) if lengths is None else (steps <= (lengths[:, None] // self.config.hop))
        return transform(log_mel, real[:, None, :].to(log_mel.dtype))

    LogMelEncoder.log_mel = fixed if transform is not None else original
    try:
        yield
    finally:
        LogMelEncoder.log_mel = original


def variance_to(reference: np.ndarray) -> Callable:
    """Each band's spread over the clip scaled to the training voices' (`reference`, per band)."""
    target = torch.from_numpy(reference.astype(np.float32))

    def transform(log_mel: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        count = real.sum(dim=-1, keepdim=True).clamp(min=1)
        spread = ((log_mel ** 2 * real).sum(dim=-1, keepdim=True) / count).sqrt().clamp(min=1e-3)  # mean is 0
        return log_mel * (target[None, :, None] / spread) * real

    return transform


def loudness_to(target_db: float) -> Callable[[np.ndarray], np.ndarray]:
    def transform(samples: np.ndarray) -> np.ndarray:
        frames = np.lib.stride_tricks.sliding_window_view(samples, 400)[::160]
        level = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
        speech = frames[level > level.max() - 30]
        gain = 10 ** ((target_db - 10 * np.log10(np.mean(speech ** 2))) / 20)
        return np.clip(samples * gain, -1, 1).astype(np.float32)

    return transform


VTLN_FACTORS = (0.85, 0.92, 1.0, 1.08, 1.18)


@contextmanager
def warped_filters(factor: float):
    """The encoder's mel filter bank with its band edges moved by `factor` (1: as trained)."""
    from lipwright.audio.mel import mel_filter_bank

    original = LogMelEncoder._filters

    def warped(self, clips: int = 1):  # one bank for every clip of the batch, as in inference
        config = self.config
        bank = mel_filter_bank(config.sample_rate, config.window, config.mels, config.low_hz * factor,
                               min(config.high_hz * factor, config.sample_rate / 2))
        return torch.from_numpy(bank).to(self.filters.device)

    LogMelEncoder._filters = warped if factor != 1.0 else original
    try:
        yield
    finally:
        LogMelEncoder._filters = original


def vtln_decisions(model: TrainedRunModel, clips: list[Clip]) -> list[tuple]:
    passes = {}
    for factor in VTLN_FACTORS:
        with warped_filters(factor):
            passes[factor] = decisions(model, clips, None)
    combined = []
    for i, (weights, logits) in enumerate(passes[1.0]):
        logits = logits.copy()
        logits[:, 0] = np.max([passes[f][i][1][:, 0] for f in VTLN_FACTORS], axis=0)
        combined.append((weights, logits))
    return combined


def band_limited(samples: np.ndarray) -> np.ndarray:
    return soxr.resample(soxr.resample(samples, 16000, 8000), 8000, 16000).astype(np.float32)


def decisions(model: TrainedRunModel, clips: list[Clip], audio_fix: Callable | None) -> list[tuple]:
    store: list = []
    with captured_decisions(store):
        for clip in clips:
            samples = samples_of(clip)
            samples = audio_fix(samples) if audio_fix else samples
            before = len(store)
            model.animate(AnimationRequest(clip=AudioClip(samples, 16000), fps=FPS))
            if len(store) != before + 1:
                raise RuntimeError(f"{clip.wav.name} took {len(store) - before} forward passes, expected one")
    return [(weights[0], logits[0]) for weights, logits in store]


def scores_at(clip: Clip, weights: np.ndarray, logits: np.ndarray, threshold: float) -> dict[str, list[float]]:
    committed = contacts.apply_contacts(torch.from_numpy(weights), torch.from_numpy(logits), threshold).numpy()
    opening, rest = opening_and_rest(np.clip(committed, 0.0, 1.0))
    return lipsync_scores(clip.truth, opening, rest, FPS)


def probabilities(clip: Clip, logits: np.ndarray) -> tuple[list[float], list[float]]:
    """Sealed probability at each p/b/m centre (highest within a frame) and on other speech frames."""
    sealed = 1 / (1 + np.exp(-logits[:, 0]))
    n, at, elsewhere = len(sealed), [], np.ones(len(sealed), dtype=bool)
    for label, start, end in clip.truth:
        first, last = int(start * FPS), min(int(np.ceil(end * FPS)), n)
        if label in BILABIALS:
            centre = min(int(round(0.5 * (start + end) * FPS)), n - 1)
            at.append(float(sealed[max(centre - 1, 0):centre + 2].max()))
        if label in BILABIALS or label == "SIL":
            elsewhere[max(first - 2, 0):last + 2] = False
    return at, sealed[elsewhere].tolist()


def pooled(per_clip: list[dict[str, list[float]]]) -> dict[str, float]:
    merged = {key: [v for s in per_clip for v in s[key]] for key in ("closed", "opened", "rest", "spurious")}
    closures = max(len(merged["closed"]), 1)
    return {"closed": np.mean(merged["closed"]), "opened": np.mean(merged["opened"]),
            "rest": np.mean(merged["rest"]) if merged["rest"] else np.nan,
            "spurious": 100 * sum(merged["spurious"]) / closures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=4, help="sentences per voice")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dev", nargs="+", default=list(DEV_VOICES))
    parser.add_argument("--tuning", nargs="+", default=list(TUNING))
    parser.add_argument("--models", nargs="+", default=list(MODELS), help="shipped model names or run folders")
    parser.add_argument("--fixes", nargs="+", default=["none", "loudness", "variance", "band4k", "vtln"])
    args = parser.parse_args()
    torch.manual_seed(0)
    from lipwright.demo.sentences import sentences

    with tempfile.TemporaryDirectory() as scratch:
        texts = sentences(args.lines, seed=args.seed + 1)  # not bench_lipsync's sentences
        clips = make_clips(args.tuning + args.dev, texts, Path(scratch))
        groups = {"tuning": [c for c in clips if c.voice in args.tuning], "dev": [c for c in clips if c.voice in args.dev]}
        print(f"{len(clips)} clips ({len(groups['tuning'])} tuning, {len(groups['dev'])} dev), "
              f"{sum(c.seconds for c in clips):.0f} s; seed {args.seed}")

        encoder = LogMelEncoder()
        print("\n### 1. The sound, per voice (mean over its clips)\n")
        print("| voice | group | loudness dBFS | pitch Hz | tilt dB/oct | above 4 kHz dB | feature spread | "
              "speech-pause contrast |")
        print("|---|---|---|---|---|---|---|---|")
        spreads = {}
        for voice in args.tuning + args.dev:
            members = [c for c in clips if c.voice == voice]
            if not members:
                continue
            stats = [sound_statistics(samples_of(c), encoder) for c in members]
            mean = {key: float(np.nanmean([s[key] for s in stats])) for key in stats[0]}
            print(f"| {voice} | {'tuning' if voice in args.tuning else 'dev'} | {mean['loudness_db']:.1f} "
                  f"| {mean['pitch_hz']:.0f} | {mean['tilt_db_per_octave']:.1f} | {mean['above_4k_db']:.1f} "
                  f"| {mean['feature_spread']:.2f} | {mean['speech_pause_contrast']:.1f} |")
            spreads[voice] = mean
        reference_loudness = float(np.median([spreads[v]["loudness_db"] for v in args.tuning if v in spreads]))
        reference_spread = band_spread([c for c in groups["tuning"]], encoder)

        fixes = {"none": (None, None), "loudness": (loudness_to(reference_loudness), None),
                 "variance": (None, variance_to(reference_spread)), "band4k": (band_limited, None),
                 "vtln": (None, None)}
        for name in args.models:
            model = TrainedRunModel(model_folder(name), "cpu", name=Path(name).name)
            shipped = model.config.settings["contact_threshold"]
            print(f"\n### {name} (shipped threshold {shipped})\n")
            for fix in args.fixes:
                audio_fix, transform = fixes[fix]
                if fix == "vtln":
                    outputs = vtln_decisions(model, clips)
                else:
                    with feature_fix(transform):
                        outputs = decisions(model, clips, audio_fix)
                by_clip = dict(zip((c.wav for c in clips), outputs))
                print(f"fix: {fix}\n")
                print("| group | P(sealed) at p/b/m: median, 25% | elsewhere: median, 90% | "
                      + " | ".join(f"t={t}: closed/opened/rest/spurious" for t in THRESHOLDS) + " |")
                print("|---|---|---|" + "---|" * len(THRESHOLDS))
                for group, members in groups.items():
                    at, elsewhere = [], []
                    for clip in members:
                        a, e = probabilities(clip, by_clip[clip.wav][1])
                        at += a
                        elsewhere += e
                    cells = []
                    for threshold in THRESHOLDS:
                        s = pooled([scores_at(c, *by_clip[c.wav], threshold) for c in members])
                        cells.append(f"{s['closed']:.2f}/{s['opened']:.2f}/{s['rest']:.2f}/{s['spurious']:.0f}")
                    print(f"| {group} | {np.median(at):.2f}, {np.percentile(at, 25):.2f} "
                          f"| {np.median(elsewhere):.2f}, {np.percentile(elsewhere, 90):.2f} | "
                          + " | ".join(cells) + " |", flush=True)
                per_voice = []
                for voice in args.dev:
                    members = [c for c in groups["dev"] if c.voice == voice]
                    if members:
                        s = pooled([scores_at(c, *by_clip[c.wav], shipped) for c in members])
                        at = [a for c in members for a in probabilities(c, by_clip[c.wav][1])[0]]
                        per_voice.append(f"{voice} {s['closed']:.2f}/{s['opened']:.2f}/{s['rest']:.2f} "
                                         f"(P {np.median(at):.2f})")
                print("\nper dev voice at the shipped threshold, closed/opened/rest (median P at p/b/m): "
                      + "; ".join(per_voice) + "\n", flush=True)


def model_folder(name: str) -> Path:
    """A shipped model's name, or a run folder (its best checkpoint) or checkpoint folder."""
    from lipwright.evaluation.trained_runs import checkpoint_folder

    return checkpoint_folder(Path(name)) if Path(name).exists() else SHIPPED / name


def band_spread(clips: list[Clip], encoder: LogMelEncoder) -> np.ndarray:
    """Per band, the mean over `clips` of the spread the network sees (the encoder's own log-mel)."""
    with torch.no_grad():
        spreads = [encoder.log_mel(torch.from_numpy(samples_of(c))[None])[0].std(dim=-1).numpy() for c in clips]
    return np.mean(spreads, axis=0)


if __name__ == "__main__":
    main()
