"""The shipped networks' phone heads, run in numpy: how sure they are of p, b or m at each frame of a line.

Each shipped network's log-mel encoder learnt, through its phone head, to tell a bilabial from the t, d,
k or n the phone search hears in its place (models/parts/phone_head.py), on voices the search hears
poorly. An encoder is a log-mel spectrogram and three small convolutions, and a head one linear layer:
a few milliseconds of numpy per second of speech. So every recognition mode weighs the search's
consonants by them (phones/heard_bilabials.py), with no torch: the add-on's bundled backend has none.
The arithmetic is the torch modules' own (encoders/log_mel.py, models/parts/clip_audio.py, phone_head.py);
tests/models/test_phone_heads.py holds the two to the same numbers."""

from __future__ import annotations

import json
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.clip import AudioClip, frame_count
from ..audio.mel import centred_log_mel, mel_filter_bank
from ..audio.heard_line import HEARING_RATE, heard_line
from ..errors import ModelError
from ..motion.retime import retimed
from ..training.phone_labels import PHONE_CLASSES
from .run_folders import SHIPPED_MODELS_DIR

# The shipped runs whose heads listen: their mean tells a bilabial from a t, d or n better than any one
# (area under the ROC curve 0.938 against 0.930 for the best alone, benchmarks/RESULTS.md).
HEAD_RUNS = ("gldtalker-synthetic", "jambatalk-synthetic", "landmarks-synthetic")
_BILABIALS = [PHONE_CLASSES.index(label) for label in ("P", "B", "M")]
_BLOCK_STEPS = 4096  # encoder steps convolved at once (41 s of audio at a 10 ms hop)


@dataclass(frozen=True)
class RunHead:
    """One run's log-mel encoder and phone head, as arrays."""

    name: str
    fps: float
    ahead: int  # frames ahead of its own that each encoder frame feeds (a non-autoregressive JambaTalk's look-ahead)
    window: int
    hop: int
    filters: np.ndarray  # (mels, window // 2 + 1)
    convolutions: tuple[tuple[np.ndarray, np.ndarray], ...]  # (weight (kernel, in, out), bias (out,)), each then GELU
    head: tuple[np.ndarray, np.ndarray]  # (weight (classes, features), bias (classes,))

    @classmethod
    def from_folder(cls, folder: Path) -> RunHead:
        """The run in `folder` (config.json, model.safetensors); ModelError naming what is wrong: a file missing
        or damaged, a setting absent, weights that do not fit the settings."""
        from safetensors import SafetensorError, safe_open

        folder = Path(folder)
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            encoder, settings = config["encoder"], config.get("settings") or {}
            if encoder.get("kind") != "log-mel" or not settings.get("phones"):
                raise ModelError(f"the run {folder.name} has no log-mel encoder with a phone head to listen with")
            if int(encoder["sample_rate"]) != HEARING_RATE:
                raise ModelError(f"the run {folder.name}'s encoder hears {encoder['sample_rate']} Hz, not {HEARING_RATE}")
            with safe_open(str(folder / "model.safetensors"), framework="numpy") as tensors:
                names = set(tensors.keys())
                convolutions = []
                while f"encoder.convolutions.{2 * len(convolutions)}.weight" in names:
                    prefix = f"encoder.convolutions.{2 * len(convolutions)}"
                    # torch's (out, in, kernel) as one contiguous (in, out) matrix per tap, for BLAS.
                    taps = np.ascontiguousarray(tensors.get_tensor(f"{prefix}.weight").transpose(2, 1, 0))
                    convolutions.append((taps, tensors.get_tensor(f"{prefix}.bias")))
                head = (tensors.get_tensor("phone_net.out.weight"), tensors.get_tensor("phone_net.out.bias"))
            filters = mel_filter_bank(int(encoder["sample_rate"]), int(encoder["window"]), int(encoder["mels"]),
                                      float(encoder["low_hz"]), float(encoder["high_hz"]))
            run = cls(folder.name, float(config["fps"]), _frames_ahead(config["model"], settings),
                      int(encoder["window"]), int(encoder["hop"]), filters, tuple(convolutions), head)
        except ModelError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError, SafetensorError) as error:
            raise ModelError(f"the trained run {folder.name} cannot be read ({type(error).__name__}: {error}); "
                             "reinstall Lipwright") from error
        if problem := run.misfit():
            raise ModelError(f"the trained run {folder.name} cannot be read ({problem}); reinstall Lipwright")
        return run

    def misfit(self) -> str:
        """Why the weights do not fit the settings or one another ("" when they do)."""
        width = len(self.filters)
        if not self.convolutions:
            return "its encoder has no convolutions"
        for number, (taps, bias) in enumerate(self.convolutions):
            if taps.ndim != 3 or taps.shape[1] != width or bias.shape != (taps.shape[2],):
                return f"convolution {number} takes {taps.shape[1] if taps.ndim == 3 else taps.shape} channels where {width} arrive"
            width = taps.shape[2]
        weight, bias = self.head
        if weight.shape != (len(PHONE_CLASSES), width) or bias.shape != (len(PHONE_CLASSES),):
            return f"its phone head is {weight.shape}, not ({len(PHONE_CLASSES)}, {width})"
        return ""

    def bilabial(self, samples: np.ndarray) -> np.ndarray:
        """(frames at self.fps,) float64: the head's probability of p, b or m at frame t (t / fps) of
        `samples` (16 kHz float32); NaN on the first `ahead` frames, which no encoder frame feeds."""
        return self.posteriors(samples)[:, _BILABIALS].sum(axis=1)

    def posteriors(self, samples: np.ndarray) -> np.ndarray:
        """(frames at self.fps, PHONE_CLASSES) float64: the head's phone probabilities at frame t (t / fps)
        of `samples` (16 kHz float32); NaN on the first `ahead` frames, which no encoder frame feeds."""
        frames = frame_count(len(samples) / HEARING_RATE, self.fps)
        used = min(round(frames / self.fps * HEARING_RATE), len(samples))
        if used == 0:  # no sound at all: nothing heard (and nothing to mirror at the ends)
            return np.full((frames, len(self.head[1])), np.nan)
        # A look-ahead network's last frames hear silence after the line, as it trained.
        silence = round(self.ahead / self.fps * HEARING_RATE)
        heard = np.asarray(samples[:used], dtype=np.float32)
        if silence:
            heard = np.pad(heard, (0, silence))
        features = np.ascontiguousarray(centred_log_mel(heard, self.filters, self.window, self.hop, real_samples=used).T)
        for taps, bias in self.convolutions:
            features = _convolved_gelu(features, taps, bias)
        at_frames = _at_frame_times(features, HEARING_RATE / self.hop, self.fps, frames + self.ahead)[self.ahead:]
        logits = at_frames @ self.head[0].T + self.head[1]
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        # Row t heard frame t + ahead: frame t's own probabilities are row t - ahead.
        unheard = np.full((self.ahead, probabilities.shape[1]), np.nan)
        return np.concatenate([unheard, probabilities.astype(np.float64)])[:frames]


class PhoneHeads:
    """`heads(clip)` -> (p/b/m probability per frame, its fps): the mean over the runs' heads (NaN where
    none heard a frame). The runs are read on first use, once, whichever job asks first."""

    def __init__(self, folders: tuple[Path, ...] = tuple(SHIPPED_MODELS_DIR / name for name in HEAD_RUNS)) -> None:
        if not folders:
            raise ValueError("phone heads need at least one run")
        self.folders = tuple(map(Path, folders))
        self._heads: list[RunHead] | None = None
        self._lock = threading.Lock()

    def loaded(self) -> list[RunHead]:
        with self._lock:
            if self._heads is None:
                self._heads = [RunHead.from_folder(folder) for folder in self.folders]
            return self._heads

    def __call__(self, clip: AudioClip) -> tuple[np.ndarray, float]:
        heads = self.loaded()
        samples = heard_line(clip).samples
        fps = heads[0].fps
        frames = frame_count(len(samples) / HEARING_RATE, fps)
        return mean_heard([retimed(head.bilabial(samples), head.fps, fps, frames) for head in heads]), fps


def _frames_ahead(network: str, settings: dict) -> int:
    """As models/jambatalk.py's _ahead: only a non-autoregressive JambaTalk feeds frame t from the audio of
    frame t + lookahead. Its setting is read, never assumed (JambaTalk's default is not 0)."""
    if network != "jambatalk" or settings.get("autoregressive", False):
        return 0
    return int(settings["lookahead"])


def mean_heard(heads: list[np.ndarray]) -> np.ndarray:
    """The heads' mean per frame over those that heard it (NaN: a look-ahead head's first frames; NaN where
    none did)."""
    frames = min(len(head) for head in heads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice" where no head heard a frame
        return np.nanmean(np.stack([head[:frames] for head in heads]), axis=0)


def _convolved_gelu(features: np.ndarray, taps: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """(steps, in) -> (steps', out): torch's Conv1d with padding kernel // 2, then GELU. One matrix product
    per tap, a block of steps at a time, written in place: a 600 s line's temporaries stay a few megabytes
    (whole-line temporaries held about 190 MB per head), and no fresh array per product makes it faster."""
    from scipy.special import erf

    kernel, half = len(taps), len(taps) // 2
    steps = len(features) + 2 * half - kernel + 1
    out = np.empty((steps, taps.shape[2]), dtype=np.float32)
    product = np.empty((min(_BLOCK_STEPS, steps), taps.shape[2]), dtype=np.float32)
    for first in range(0, steps, _BLOCK_STEPS):
        last = min(first + _BLOCK_STEPS, steps)
        length = last - first
        # Output step i reads input steps i - half .. i - half + kernel - 1: zeros beyond the line's ends.
        start, stop = first - half, last - half + kernel - 1
        piece = features[max(start, 0):min(stop, len(features))]
        if start < 0 or stop > len(features):
            piece = np.pad(piece, ((max(-start, 0), max(stop - len(features), 0)), (0, 0)))
        block = out[first:last]
        block[:] = bias
        for tap in range(kernel):
            np.matmul(piece[tap:tap + length], taps[tap], out=product[:length])
            block += product[:length]
        # GELU, exact (torch's default): x * (1 + erf(x / sqrt 2)) / 2.
        gate = erf(block * np.float32(1 / np.sqrt(2.0)))
        gate += 1
        gate *= 0.5
        block *= gate
    return out


def _at_frame_times(features: np.ndarray, steps_per_second: float, fps: float, frames: int) -> np.ndarray:
    """(steps, dim) -> (frames, dim): frame t read at t / fps by linear interpolation, held at the last step
    (encoders/frame_rate.at_frame_times)."""
    steps = len(features)
    position = np.minimum(np.arange(frames, dtype=np.float32) * np.float32(steps_per_second / fps), steps - 1)
    lower = np.floor(position).astype(np.int64)
    upper = np.minimum(lower + 1, steps - 1)
    weight = (position - lower).astype(np.float32)[:, None]
    return features[lower] * (1 - weight) + features[upper] * weight
