"""Jamba's Mamba layers stay in fp32 under autocast and can be put on transformers' PyTorch path:
the two things mamba-ssm's fused kernels need (benchmarks/gpu_checks.py measured both on a GPU)."""

import importlib.util
from dataclasses import replace

import torch
from transformers.models.jamba import modeling_jamba

from lipwright.models.jambatalk import JambaTalk
from lipwright.models.parts.mamba_kernels import (MAMBA_FUNCTIONS, FullPrecisionMambaMixer, fused_kernels_in_use,
                                                  implementations, pytorch_mamba)

from ..tiny_networks import pieces, tiny_network


def mixers(network):
    return [layer.mamba for layer in network.decoder.layers if hasattr(layer, "mamba")]


def test_the_mamba_layers_run_in_fp32_under_bf16_autocast_and_match_fp32(tiny_corpus):
    examples = pieces(tiny_corpus)[:2]
    network, config = tiny_network("jambatalk", examples)
    network.eval()
    assert mixers(network) and all(isinstance(mixer, FullPrecisionMambaMixer) for mixer in mixers(network))
    seen = []
    hooks = [mixer.x_proj.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
             for mixer in mixers(network)]
    audio = torch.from_numpy(examples[0].audio[None])
    frames = [len(examples[0].motion)]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        mixed = network.predict(audio, frames, torch.tensor([-1]))
    for hook in hooks:
        hook.remove()
    assert seen and all(dtype == torch.float32 for dtype in seen)
    full = network.predict(audio, frames, torch.tensor([-1]))
    assert mixed.shape == full.shape and torch.isfinite(mixed).all()


def test_the_guarded_mixers_keep_the_checkpoint_names_and_jambas_initialisation(tiny_corpus):
    examples = pieces(tiny_corpus)[:2]
    _, config = tiny_network("jambatalk", examples)
    network = JambaTalk(config)
    names = set(network.state_dict())
    assert any(".mamba.A_log" in name for name in names) and not any(".mamba.mamba." in name for name in names)
    # Jamba initialises its linear layers with std `initializer_range` (0.02); a freshly built
    # mixer's own default (Kaiming uniform) would be about 1/sqrt(3 * hidden), 0.14 at hidden 16.
    for mixer in mixers(network):
        assert float(mixer.in_proj.weight.std()) < 2 * network.settings.jamba_config().initializer_range


def test_the_pytorch_path_is_swapped_in_and_restored():
    before = {name: getattr(modeling_jamba, name) for name in MAMBA_FUNCTIONS}
    with pytorch_mamba():
        inside = {name: getattr(modeling_jamba, name) for name in MAMBA_FUNCTIONS}
        assert all(inside[name] is getattr(before[name], "__wrapped__") for name in MAMBA_FUNCTIONS)
    assert all(getattr(modeling_jamba, name) is before[name] for name in MAMBA_FUNCTIONS)
    # Without mamba-ssm (CPU machines, CI) transformers bound its own code to every function, and the
    # guard knows it; with it installed (a GPU machine), the kernel packages' functions are found.
    kernels = importlib.util.find_spec("mamba_ssm") is not None
    assert fused_kernels_in_use() == kernels
    assert all(module.startswith("transformers") != kernels for name, module in implementations().items()
               if name.startswith("mamba_"))
