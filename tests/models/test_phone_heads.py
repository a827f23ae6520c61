"""The networks' phone heads run in numpy (models/phone_heads.py) hear what the torch modules hear, with no
torch imported; a run that cannot be read is named, and the default model then animates unweighed, saying so."""

import json
import subprocess
import sys

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip, frame_count
from lipwright.audio.heard_line import heard_line
from lipwright.errors import ModelError
from lipwright.models.base import AnimationRequest
from lipwright.models.network_hearing import NetworkHearing
from lipwright.models.phone_heads import HEAD_RUNS, PhoneHeads, RunHead
from lipwright.models.phonemes import PhonemeModel
from lipwright.models.run_folders import SHIPPED_MODELS_DIR
from tests.speech import synthesise


def torch_heard(folder, samples: np.ndarray) -> np.ndarray:
    """What the run's own torch modules hear: its encoder's phone features and its head's p/b/m posterior."""
    import torch

    from lipwright.models.trained_run import TrainedRunModel

    network = TrainedRunModel(folder, "cpu").network
    frames = frame_count(len(samples) / 16000, network.config.fps)
    with torch.inference_mode():
        features, ahead = network.phone_features(torch.from_numpy(samples)[None], [frames])
        heard = network.phone_net.bilabial(features, ahead)[0].double().numpy()
    heard[:ahead] = np.nan  # the posterior calls these silence; unheard here
    return heard


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    from tests.models.tiny_run import make_tiny_gldtalker_run, make_tiny_run

    root = tmp_path_factory.mktemp("runs")
    return [make_tiny_run(root / "jambatalk", phones=True),  # hears 3 frames ahead
            make_tiny_run(root / "autoregressive", seed=2, phones=True, autoregressive=True),
            make_tiny_gldtalker_run(root / "gldtalker", phones=True)]


@pytest.mark.parametrize("seed", range(6))
def test_numpy_hears_what_torch_hears_over_generated_lines(tiny_runs, seed):
    """Over lines of many lengths (a few samples past a frame or a hop, one or two frames, seconds of speech),
    rates and levels, for tiny runs of each network and every shipped one: the same probability per frame
    within float error, NaN on exactly the frames a look-ahead network never hears."""
    rng = np.random.default_rng(seed)
    speech = synthesise(("Bob met Pam by the map.", "Keep up, I already told all the other kids.")[seed % 2],
                        voice=("en-us", "en-gb+f2", "en-us+m3")[seed % 3])
    rate = int(rng.choice([16000, 22050, 44100, 8000]))
    for cut in (int(rng.integers(len(speech) // 3, len(speech))), int(rng.integers(420, 1100)),  # one or two frames (torch's mirrored ends need 201 samples)
                16000 // 30 * int(rng.integers(3, 40)) + int(rng.integers(0, 3))):
        line = (speech[:cut] * 10 ** (rng.uniform(-20, 0) / 20)).astype(np.float32)
        samples = heard_line(AudioClip(line, 16000) if rate == 16000 else
                             AudioClip(line.repeat(2)[: cut * rate // 16000].copy(), rate)).samples
        for folder in (*tiny_runs, *(SHIPPED_MODELS_DIR / name for name in HEAD_RUNS)):
            mine, theirs = RunHead.from_folder(folder).bilabial(samples), torch_heard(folder, samples)
            assert mine.shape == theirs.shape, (folder.name, cut)
            assert np.array_equal(np.isnan(mine), np.isnan(theirs)), (folder.name, cut)
            heard = ~np.isnan(mine)
            assert heard.any() or len(mine) <= 3, (folder.name, cut)
            np.testing.assert_allclose(mine[heard], theirs[heard], atol=5e-5, err_msg=f"{folder.name} {cut}")


def test_the_heads_load_and_hear_without_torch(tmp_path):
    line = tmp_path / "line.npy"
    np.save(line, synthesise("Bob met Pam by the map.", voice="en-us"))
    script = ("import sys, numpy as np\n"
              "from lipwright.audio.clip import AudioClip\n"
              "from lipwright.models.phone_heads import PhoneHeads\n"
              f"heard, fps = PhoneHeads()(AudioClip(np.load({str(line)!r}), 16000))\n"
              "print(len(heard), fps, round(float(np.nanmax(heard)), 3), 'torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    frames, fps, highest, torch_imported = done.stdout.split()
    assert float(fps) == 30.0 and int(frames) > 30 and float(highest) > 0.5  # "Bob", "Pam", "map": heard
    assert torch_imported == "False"


def copy_run(source, folder, damage=None):
    folder.mkdir()
    config = json.loads((source / "config.json").read_text())
    if damage == "no head":
        config["settings"]["phones"] = False
    elif damage == "setting missing":
        del config["encoder"]["mels"]
    elif damage == "look-ahead missing":
        del config["settings"]["lookahead"]
    elif damage == "shapes":
        config["encoder"]["mels"] = 64  # the weights take 80 bands
    elif damage == "impossible":
        config["encoder"]["high_hz"] = 12000.0  # over 16 kHz's Nyquist
    elif damage == "not json":
        (folder / "config.json").write_text("{")
    if damage != "not json":
        (folder / "config.json").write_text(json.dumps(config))
    weights = (source / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(weights[:1000] if damage == "weights" else weights)
    return folder


DAMAGE = ["no head", "setting missing", "look-ahead missing", "shapes", "impossible", "not json", "weights", "missing"]


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("role", ["listening", "hearing"])
def test_a_run_that_cannot_listen_is_named_and_fast_mode_animates_unweighed_saying_so(tmp_path, damage, role):
    """Whatever is wrong with a head's run, and whichever role it plays (the hearing run's head counts in the
    mean too): a ModelError names it, and fast mode animates without the heads, with a warning naming it. A
    hearing run that simply has no head is no fault: the listening runs' heads listen without it."""
    shipped = SHIPPED_MODELS_DIR / HEAD_RUNS[1]  # JambaTalk: its look-ahead is a setting
    broken = tmp_path / "broken" if damage == "missing" else copy_run(shipped, tmp_path / "broken", damage)
    with pytest.raises(ModelError, match="broken"):
        PhoneHeads((broken,)).loaded()
    model = PhonemeModel()
    others = tuple(SHIPPED_MODELS_DIR / name for name in HEAD_RUNS if name != shipped.name)
    model.hearing = (NetworkHearing(listening=(broken,)) if role == "listening" else
                     NetworkHearing(run_folder=broken, listening=others))
    clip = AudioClip(synthesise("A big map by the pump.", voice="en-gb"), 16000)
    animation = model.animate(AnimationRequest(clip=clip, fps=30.0, recognition="fast", offsets=False))
    assert animation.weights.shape == (frame_count(clip.seconds, 30.0), 52)
    warned = any("phone heads" in warning and "broken" in warning for warning in animation.meta["warnings"])
    assert warned == (role == "listening" or damage != "no head"), animation.meta["warnings"]


def test_the_shipped_heads_add_no_warning():
    clip = AudioClip(synthesise("A big map by the pump.", voice="en-gb"), 16000)
    fine = PhonemeModel().animate(AnimationRequest(clip=clip, fps=30.0, recognition="fast", offsets=False))
    assert not any("phone heads" in warning for warning in fine.meta["warnings"])


def test_a_line_without_samples_is_unheard_and_a_few_samples_are_heard():
    heads = PhoneHeads()
    empty, fps = heads(AudioClip(np.zeros(0, dtype=np.float32), 16000))
    assert fps == 30.0 and len(empty) == 1 and np.isnan(empty).all()
    few, _ = heads(AudioClip(np.full(7, 0.1, dtype=np.float32), 16000))
    assert len(few) == 1 and 0 <= few[0] <= 1


@pytest.mark.parametrize("seed", range(12))
def test_numpy_hears_what_torch_hears_for_generated_encoder_shapes(seed, monkeypatch):
    """Over generated encoder shapes the shipped runs do not have (odd and even windows, hops, band counts,
    widths, depths, odd and even kernels), line lengths (whole hops among them) and block sizes (the
    spectrogram and the convolutions are computed a block of steps at a time; here blocks of a few steps, so
    that every line crosses many): a RunHead built from a LogMelEncoder and a random head gives the torch
    modules' probabilities, frame for frame."""
    import torch

    from lipwright.audio import mel
    from lipwright.encoders.log_mel import LogMelConfig, LogMelEncoder
    from lipwright.models import phone_heads
    from lipwright.models.phone_heads import _BILABIALS
    from lipwright.training.phone_labels import PHONE_CLASSES

    rng = np.random.default_rng(seed)
    monkeypatch.setattr(mel, "_BLOCK_STEPS", int(rng.integers(1, 40)))
    monkeypatch.setattr(phone_heads, "_BLOCK_STEPS", int(rng.integers(1, 40)))
    torch.manual_seed(seed)
    window, hop = int(rng.choice([320, 400, 401, 512])), int(rng.choice([128, 160, 200]))
    config = LogMelConfig(window=window, hop=hop, mels=int(rng.integers(20, 81)), dim=int(rng.integers(8, 33)),
                          layers=int(rng.integers(1, 4)), kernel=int(rng.integers(2, 7)))
    encoder, head = LogMelEncoder(config).eval(), torch.nn.Linear(config.dim, len(PHONE_CLASSES))
    convolutions = tuple((np.ascontiguousarray(layer.weight.detach().numpy().transpose(2, 1, 0)), layer.bias.detach().numpy())
                         for layer in encoder.convolutions if isinstance(layer, torch.nn.Conv1d))
    run = RunHead("generated", 30.0, 0, window, hop, encoder.filters.numpy(), convolutions,
                  (head.weight.detach().numpy(), head.bias.detach().numpy()))
    assert run.misfit() == ""
    for samples in (hop * int(rng.integers(20, 200)), int(rng.integers(1000, 40000))):
        line = rng.normal(0, 0.1, samples).astype(np.float32)
        frames = frame_count(samples / 16000, 30.0)
        with torch.inference_mode():
            used = min(round(frames / 30.0 * 16000), samples)
            features = encoder(torch.from_numpy(line[:used])[None], frames, torch.tensor([used]), fps=30.0)
            theirs = head(features)[0].softmax(-1)[:, _BILABIALS].sum(-1).double().numpy()
        np.testing.assert_allclose(run.bilabial(line), theirs, atol=5e-5, err_msg=f"{config} {samples}")
