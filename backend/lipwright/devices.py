"""Which torch device a model runs on, decided only when a model that needs torch asks.

Importing torch takes seconds; the default model is numpy only, so "auto" stays "auto" until a
torch model resolves it.
"""

from .errors import LipwrightError

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(requested: str) -> str:
    """'cpu' or 'cuda' for 'auto' | 'cpu' | 'cuda'; imports torch unless the answer is 'cpu'."""
    if requested not in DEVICE_CHOICES:
        raise LipwrightError(f"unknown device {requested!r}; use one of {', '.join(DEVICE_CHOICES)}")
    if requested == "cpu":
        return "cpu"
    import torch

    available = torch.cuda.is_available()
    if requested == "cuda" and not available:
        raise LipwrightError("--device cuda was asked for, but torch sees no CUDA GPU; use --device cpu or auto")
    return "cuda" if available else "cpu"
