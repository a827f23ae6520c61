"""The training loop every model shares: seeded, batched, validated each epoch, stopped early when
validation stops improving, resumable from the last epoch, bf16 autocast on CUDA.

A run folder holds `last/` and `best/` (checkpoints: safetensors + config.json), `optimiser.pt`
(plain tensors, loaded with weights_only) and `history.json` (losses per epoch)."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import nn

from ..devices import resolve_device
from ..files.atomic import replaced_on_success, write_text_atomically
from ..models.base import Progress, no_progress
from .batches import Batch, collate, speaker_index
from .checkpoint import RunConfig, load_checkpoint, save_checkpoint
from .examples import Example


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 100
    batch_size: int = 4
    learning_rate: float = 1e-4
    patience: int = 10  # epochs without a better validation loss before stopping
    lr_patience: int = 2  # epochs without a better validation loss before the learning rate halves
    seed: int = 0
    device: str = "auto"
    # Keep every epoch's weights in out/epochs/NNN: the validation split holds the corpus's own voices, so a
    # checkpoint for unseen voices is chosen afterwards on a development set (benchmarks/bench_lipsync.py).
    keep_epochs: bool = False


class TrainableModel(Protocol):
    """An nn.Module whose loss on a batch is a scalar tensor (it masks padded frames itself)."""

    def loss(self, batch: Batch) -> torch.Tensor: ...


def _usable_cores() -> int:
    """The cores this process may run on (taskset, cgroups' cpusets), not all the machine's: runs sharing a
    machine, each pinned to its own cores, would otherwise each start a thread per core and crowd each other."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def train(model: nn.Module, config: RunConfig, train_examples: Sequence[Example], val_examples: Sequence[Example],
          out: str | Path, settings: TrainSettings = TrainSettings(), progress: Progress = no_progress) -> dict:
    """Train `model` into run folder `out`, resuming from `out/last` when it is there; returns the history."""
    out = Path(out)
    device = resolve_device(settings.device)
    torch.set_num_threads(_usable_cores())
    _seed_everything(settings.seed)
    speakers = {name: i for i, name in enumerate(config.speakers)} or speaker_index(train_examples)
    model.to(device)
    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate)
    # Halve the step when validation stalls: a constant step stops improving long before it must.
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimiser, factor=0.5, patience=settings.lr_patience)
    history = _resume(model, optimiser, scheduler, out, device)
    best = min((epoch["val"] for epoch in history), default=float("inf"))
    for epoch in range(len(history), settings.epochs):
        if _epochs_since_best(history) >= settings.patience:
            break
        model.train()
        started = time.perf_counter()
        order = np.random.default_rng([settings.seed, epoch]).permutation(len(train_examples))
        losses = []
        for start in range(0, len(order), settings.batch_size):
            batch = collate([train_examples[i] for i in order[start:start + settings.batch_size]], speakers)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                loss = model.loss(batch.to(device))
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
            progress((epoch + start / len(order)) / settings.epochs, f"epoch {epoch + 1}: loss {np.mean(losses):.4g}")
        val = evaluate_loss(model, val_examples or train_examples, speakers, settings.batch_size, device)
        history.append({"epoch": epoch + 1, "train": float(np.mean(losses)), "val": val,
                        "seconds": time.perf_counter() - started})
        # Figures a network keeps of its own epoch (GLDiTalker's codebook usage and perplexity).
        history[-1].update(model.epoch_report() if hasattr(model, "epoch_report") else {})
        if val < best:
            best = val
            save_checkpoint(out / "best", model.state_dict(), config)
        if settings.keep_epochs:
            save_checkpoint(out / "epochs" / f"{epoch + 1:03d}", model.state_dict(), config)
        scheduler.step(val)
        history[-1]["learning_rate"] = optimiser.param_groups[0]["lr"]
        _save_state(model, optimiser, scheduler, config, history, out)
    return {"history": history, "best_val": best, "settings": asdict(settings)}


def evaluate_loss(model: nn.Module, examples: Sequence[Example], speakers: dict[str, int], batch_size: int,
                  device: str) -> float:
    """The loss over `examples`, weighted by batch size, without gradients."""
    model.eval()
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            chunk = examples[start:start + batch_size]
            total += float(model.loss(collate(chunk, speakers).to(device))) * len(chunk)
    return total / max(len(examples), 1)


def _epochs_since_best(history: list[dict]) -> int:
    if not history:
        return 0
    best_epoch = int(np.argmin([epoch["val"] for epoch in history]))
    return len(history) - 1 - best_epoch


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _save_state(model: nn.Module, optimiser: torch.optim.Optimizer, scheduler, config: RunConfig, history: list[dict],
                out: Path) -> None:
    save_checkpoint(out / "last", model.state_dict(), config)
    with replaced_on_success(out / "optimiser.pt") as temporary:
        torch.save({"optimiser": optimiser.state_dict(), "scheduler": scheduler.state_dict(),
                    "rng": torch.get_rng_state()}, temporary)
    # Written last: an epoch counts as done only once its history says so.
    write_text_atomically(out / "history.json", json.dumps(history, indent=1))


def _resume(model: nn.Module, optimiser: torch.optim.Optimizer, scheduler, out: Path, device: str) -> list[dict]:
    if not (out / "history.json").is_file():
        return []
    _, state = load_checkpoint(out / "last", device=device)
    model.load_state_dict(state)
    saved = torch.load(out / "optimiser.pt", map_location=device, weights_only=True)
    optimiser.load_state_dict(saved["optimiser"])
    if "scheduler" in saved:  # runs saved before the schedule existed start it afresh
        scheduler.load_state_dict(saved["scheduler"])
    torch.set_rng_state(saved["rng"].cpu())
    return json.loads((out / "history.json").read_text())
