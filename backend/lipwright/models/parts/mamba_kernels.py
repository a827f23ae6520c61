"""Jamba's Mamba layers on whichever implementation transformers picked, made safe where mamba-ssm's
fused kernels are not.

transformers binds each Mamba function once, at import: to mamba-ssm / causal-conv1d when they import,
else to its own PyTorch code, for every device alike. Two cases then break, both seen on an H200
(benchmarks/RESULTS.md): the kernels take CUDA tensors only, so a model run on the CPU of a machine that
has them fails; and under bf16 autocast the selective scan gets a bf16 input with fp32 B and C, which
its kernel refuses. `FullPrecisionMambaMixer` runs the mixer in fp32 outside autocast (the state-space
recurrence is the part that needs the precision) and on transformers' PyTorch path off CUDA."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch
from transformers.models.jamba import modeling_jamba
from transformers.models.jamba.modeling_jamba import JambaMambaMixer

MAMBA_FUNCTIONS = ("causal_conv1d_fn", "causal_conv1d_update", "mamba_inner_fn", "mamba_selective_scan",
                   "mamba_selective_state_update")
_swap = threading.RLock()


def implementations() -> dict[str, str]:
    """The module each of Jamba's Mamba functions runs (transformers' own, or a kernel package's)."""
    found = {}
    for name in MAMBA_FUNCTIONS:
        bound = getattr(modeling_jamba, name)
        cells = dict(zip(bound.__code__.co_freevars, bound.__closure__ or ()))
        chosen = cells["implementation"].cell_contents if "implementation" in cells else bound
        found[name] = getattr(chosen, "__module__", "?")
    return found


def fused_kernels_in_use() -> bool:
    return any(not module.startswith("transformers") for module in implementations().values())


@contextlib.contextmanager
def pytorch_mamba() -> Iterator[None]:
    """Jamba's Mamba functions swapped for transformers' PyTorch versions while the block runs."""
    with _swap:
        kept = {name: getattr(modeling_jamba, name) for name in MAMBA_FUNCTIONS}
        try:
            for name, bound in kept.items():
                setattr(modeling_jamba, name, getattr(bound, "__wrapped__", bound))
            yield
        finally:
            for name, bound in kept.items():
                setattr(modeling_jamba, name, bound)


class FullPrecisionMambaMixer(JambaMambaMixer):
    """Jamba's Mamba mixer in fp32 whatever autocast says, and on the PyTorch path off CUDA. Same
    parameters (and names) as the mixer it replaces, so checkpoints load unchanged."""

    _fused = None  # decided once per process: transformers binds the kernels at import

    def forward(self, hidden_states: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        if FullPrecisionMambaMixer._fused is None:
            FullPrecisionMambaMixer._fused = fused_kernels_in_use()
        device = hidden_states.device.type
        path = pytorch_mamba() if self._fused and device != "cuda" else contextlib.nullcontext()
        with path, torch.autocast(device, enabled=False):
            output = super().forward(hidden_states.float(), *args, **kwargs)
        return output.to(hidden_states.dtype)
