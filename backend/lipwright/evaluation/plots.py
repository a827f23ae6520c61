"""Pictures of an evaluation a person reads: a run's training curves, and a model's lip opening on
one line against the truth's, with the phones where the lips must close or open marked.

Drawn on matplotlib Figures with the Agg canvas (no display, no pyplot state shared between callers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..files.atomic import replaced_on_success
from ..metrics.lipsync import OPEN_ONSETS, OPEN_VOWELS, PhoneTiming, opening_and_rest

BILABIALS = ("P", "B", "M")
CLOSE_COLOUR, OPEN_COLOUR = "#d62728", "#2ca02c"


def draw_training_curves(history: list[dict], path: str | Path, title: str) -> Path:
    """history: per epoch {"epoch", "train", "val"} -> a PNG of both losses, the best epoch marked."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs = [entry["epoch"] for entry in history]
    figure = Figure(figsize=(7, 4), dpi=110)
    axis = figure.add_subplot()
    axis.plot(epochs, [entry["train"] for entry in history], marker="o", markersize=3, label="training loss")
    axis.plot(epochs, [entry["val"] for entry in history], marker="o", markersize=3, label="validation loss")
    best = min(history, key=lambda entry: entry["val"])
    axis.axvline(best["epoch"], color="#888", linestyle=":", linewidth=1)
    axis.annotate(f"best {best['val']:.4g} (epoch {best['epoch']})", (best["epoch"], best["val"]),
                  textcoords="offset points", xytext=(-6, 10), ha="right", fontsize=8)
    if all(entry["train"] > 0 and entry["val"] > 0 for entry in history):
        axis.set_yscale("log")  # losses fall by orders of magnitude; a log axis keeps the late epochs readable
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss")
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend()
    return _save(figure, path)


def draw_lip_opening(predicted: np.ndarray, truth: np.ndarray, phones: list[PhoneTiming], fps: float,
                     path: str | Path, title: str) -> Path:
    """predicted, truth: (frames, 52) ARKit weights of one line -> a PNG of both mouth openings over
    time, p/b/m spans shaded red (the lips must close) and open vowels green (the mouth must open)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 4), dpi=110)
    axis = figure.add_subplot()
    for label, start, end in phones:
        if label in BILABIALS or label in OPEN_VOWELS or label in OPEN_ONSETS:
            colour = CLOSE_COLOUR if label in BILABIALS else OPEN_COLOUR
            axis.axvspan(start, end, color=colour, alpha=0.15, linewidth=0)
            axis.text((start + end) / 2, 0.97, label.lower(), transform=axis.get_xaxis_transform(), ha="center",
                      va="top", fontsize=7, color=colour)
    for weights, label, style in ((truth, "truth", {"color": "#444", "linestyle": "--"}),
                                  (predicted, "predicted", {"color": "#1f77b4"})):
        opening, _ = opening_and_rest(np.asarray(weights, dtype=np.float32))
        axis.plot(np.arange(len(opening)) / fps, opening, label=label, linewidth=1.3, **style)
    axis.set_xlim(0, max(len(predicted), len(truth), 1) / fps)
    axis.set_xlabel(f"seconds ({fps:g} fps; red: p/b/m, the lips close; green: open vowels, the mouth opens)")
    axis.set_ylabel("mouth opening (0 = lips sealed)")
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(loc="upper right")
    return _save(figure, path)


def _save(figure, path: str | Path) -> Path:
    path = Path(path)
    with replaced_on_success(path) as partial:
        figure.savefig(partial, bbox_inches="tight")
    return path
