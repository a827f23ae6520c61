"""What the neural models do on a CUDA GPU, measured against the CPU and against themselves; prints figures
(maximum differences, seconds, real-time factors) for benchmarks/RESULTS.md. Run it where torch sees a GPU.

- the same run on the CPU and on the GPU (fp32): how far their motions differ;
- lines batched in one forward pass against each line alone, on the GPU;
- bf16 autocast against fp32 inference, on the GPU, and the speed of each;
- transformers' Jamba with mamba-ssm / causal-conv1d's fused kernels against its PyTorch path: which
  implementation each of its five Mamba functions resolved to, and, when the kernels are there, the
  motion and one backward pass's gradients through both.

Speech: DIR/line_<s>s.wav (benchmarks/bench_memory.long_line), so the GPU machine needs no speech engine.
Run: PYTHONPATH=$PWD/backend python benchmarks/gpu_checks.py --run RUN --speech DIR --corpus CORPUS
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import soundfile
import torch

from lipwright.audio.clip import AudioClip
from lipwright.evaluation.trained_runs import checkpoint_folder
from lipwright.models.parts.mamba_kernels import implementations, pytorch_mamba
from lipwright.models.trained_run import TrainedRunModel


def read_line(folder: Path, seconds: float) -> AudioClip:
    samples, rate = soundfile.read(str(folder / f"line_{seconds:g}s.wav"), dtype="float32")
    return AudioClip(samples, rate)


def largest_difference(first: list[np.ndarray], second: list[np.ndarray]) -> float:
    return max(float(np.abs(a - b).max()) for a, b in zip(first, second))


def timed(call) -> tuple[object, float]:
    torch.cuda.synchronize()
    started = time.perf_counter()
    result = call()
    torch.cuda.synchronize()
    return result, time.perf_counter() - started


def gradients(model: TrainedRunModel, corpus: Path, bf16: bool = False) -> list[torch.Tensor]:
    """The training loss's gradients for every parameter, on the first two validation clips of `corpus`
    (under bf16 autocast as `lipwright train` on CUDA when `bf16`)."""
    from lipwright.datasets.corpus import Corpus
    from lipwright.training.batches import collate
    from lipwright.training.examples import corpus_examples

    examples = corpus_examples(Corpus(corpus), "val", model.config.motion_space)[:2]
    batch = collate(examples, {name: i for i, name in enumerate(model.config.speakers)}).to(model.device)
    network = model.network
    network.zero_grad(set_to_none=True)
    network.train(False)  # no dropout: both paths see the same network
    with torch.enable_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
        network.loss(batch).backward()
    grads = [p.grad.detach().clone() for p in network.parameters() if p.grad is not None]
    network.zero_grad(set_to_none=True)
    return grads


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", type=Path, required=True, help="a trained run folder (or checkpoint folder)")
    parser.add_argument("--speech", type=Path, required=True, help="folder of line_<s>s.wav files")
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus (weights space) for the gradients")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("torch sees no CUDA GPU: run this on a machine with one")
    print(f"device: {torch.cuda.get_device_name(0)}; torch {torch.__version__}")
    folder = checkpoint_folder(args.run)
    lines = [read_line(args.speech, seconds) for seconds in (2.0, 10.0, 60.0)]
    no_speaker = [None] * len(lines)

    cpu, gpu = TrainedRunModel(folder, "cpu"), TrainedRunModel(folder, "cuda")
    gpu.predict_lines(lines[:1], [None])  # warm
    on_cpu = cpu.predict_lines(lines, no_speaker)  # on the PyTorch path even where the kernels are installed
    on_gpu, gpu_seconds = timed(lambda: gpu.predict_lines(lines, no_speaker))
    print(f"cpu vs cuda fp32, 2+10+60 s of speech: max |difference| {largest_difference(on_cpu, on_gpu):.2e}")

    alone = [gpu.predict_lines([line], [None])[0] for line in lines]
    print(f"cuda, batched vs each line alone: max |difference| {largest_difference(on_gpu, alone):.2e}")

    try:
        with torch.autocast("cuda", dtype=torch.bfloat16):
            gpu.predict_lines(lines[:1], [None])
            in_bf16, bf16_seconds = timed(lambda: gpu.predict_lines(lines, no_speaker))
        audio_seconds = sum(line.seconds for line in lines)
        print(f"cuda, bf16 autocast vs fp32: max |difference| {largest_difference(on_gpu, in_bf16):.2e}; "
              f"fp32 {audio_seconds / gpu_seconds:.0f}x real time, bf16 {audio_seconds / bf16_seconds:.0f}x "
              f"(72 s of speech in one batch)")
    except RuntimeError as error:
        print(f"cuda, bf16 autocast FAILED: {str(error)[:300]}")

    found = implementations()
    print("Jamba's Mamba functions run: " + ", ".join(f"{name} -> {module}" for name, module in found.items()))
    if all(module.startswith("transformers") for module in found.values()):
        print("mamba-ssm / causal-conv1d are not installed here: only the PyTorch path ran")
        return
    audio_seconds = sum(line.seconds for line in lines)
    kernels, kernel_seconds = timed(lambda: gpu.predict_lines(lines, no_speaker))
    kernel_grads = gradients(gpu, args.corpus)
    mixed_grads = gradients(gpu, args.corpus, bf16=True)
    with pytorch_mamba():
        reference, reference_seconds = timed(lambda: gpu.predict_lines(lines, no_speaker))
        reference_grads = gradients(gpu, args.corpus)
    scale = max(float(g.abs().max()) for g in reference_grads)
    worst = max(float((a - b).abs().max()) for a, b in zip(kernel_grads, reference_grads))
    print(f"fused kernels vs PyTorch path (fp32): motion max |difference| {largest_difference(kernels, reference):.2e}; "
          f"gradients max |difference| {worst:.2e} (largest gradient {scale:.2e}); "
          f"speed {audio_seconds / kernel_seconds:.0f}x vs {audio_seconds / reference_seconds:.0f}x real time")
    worst = max(float((a - b).abs().max()) for a, b in zip(mixed_grads, reference_grads))
    print(f"fused kernels, a bf16-autocast training step: gradients max |difference| from fp32 {worst:.2e}")


if __name__ == "__main__":
    main()
