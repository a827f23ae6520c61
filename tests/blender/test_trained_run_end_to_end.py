"""End to end with a trained run: a tiny run in a models folder -> the real backend lists it with its
speakers -> the add-on animates a spoken line with it and a chosen speaker -> baked into the face's keys.

The backend runs in its own Python ($LIPWRIGHT_BACKEND_PYTHON, default the repo's .venv: bpy's lacks
torch), started by the add-on itself, which finds the run through $LIPWRIGHT_MODELS_DIR."""

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import bpy
import numpy as np
import pytest

from tests.blender.test_panel import addon  # noqa: F401  (the registered add-on fixture)

REPO = Path(__file__).resolve().parents[2]
BACKEND_PYTHON = os.environ.get("LIPWRIGHT_BACKEND_PYTHON", str(REPO / ".venv" / "bin" / "python"))
LINE = "Bob made a map of the moon."


@pytest.fixture()
def models_dir(tmp_path) -> Path:
    models = tmp_path / "models"
    done = subprocess.run([BACKEND_PYTHON, str(REPO / "tests" / "models" / "tiny_run.py"), str(models / "tiny-run")],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO / "backend")))
    assert done.returncode == 0, done.stderr[-3000:]
    return models


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_a_line_animated_by_a_trained_run_with_a_speaker_is_baked(addon, models_dir, tmp_path, monkeypatch):
    from blender_addon import backend_process, compat, operators, properties

    assert shutil.which("espeak-ng"), "espeak-ng is not installed (run `make setup`)"
    wav = tmp_path / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), LINE], check=True, capture_output=True)
    monkeypatch.setenv("LIPWRIGHT_BACKEND_PYTHON", BACKEND_PYTHON)
    monkeypatch.setenv("LIPWRIGHT_MODELS_DIR", str(models_dir))
    monkeypatch.setenv("PYTHONPATH", str(REPO / "backend"))
    backend_process.stop_local_backend()  # one started by an earlier test knows other models
    state = bpy.context.window_manager.lipwright_job
    try:
        assert bpy.ops.lipwright.refresh_models() == {"FINISHED"}
        assert not state.last_error, state.last_error
        assert properties.model_speakers("tiny-run") == ("spk-a", "spk-b")
        scene = bpy.context.scene
        scene.render.fps, scene.render.fps_base = 24, 1.0
        assert bpy.ops.lipwright.add_head() == {"FINISHED"}, state.last_error
        head = bpy.context.view_layer.objects.active
        compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
        settings = scene.lipwright
        settings.target, settings.sound_strip = head, "Line 01"
        settings.model = "tiny-run"
        settings.speaker = "spk-b"
        spec = operators.job_spec(bpy.context, compat.find_strip(scene, "Line 01"))
        with np.load(io.BytesIO(spec.request), allow_pickle=False) as request:
            assert json.loads(str(request["options"]))["speaker"] == "spk-b"
        assert bpy.ops.lipwright.generate() == {"FINISHED"}, state.last_error
        assert not state.last_error, state.last_error
        curves = {curve.data_path: curve for curve in compat.action_fcurves(bpy.data.actions["Lipwright Line 01"])}
        jaw = curves['key_blocks["jawOpen"].value']
        keys = np.empty(len(jaw.keyframe_points) * 2, np.float32)
        jaw.keyframe_points.foreach_get("co", keys)
        keys = keys.reshape(-1, 2)
        seconds = len(open(wav, "rb").read()) / (22050 * 2)  # espeak-ng: 22.05 kHz, 16-bit mono
        assert len(curves) > 10  # the run's 52 weights, mapped onto the head's ARKit keys
        baked = re.fullmatch(r"Baked 'Line 01' on Lipwright Head: (\d+) ARKit keys, frames 1-(\d+)", state.last_report)
        assert baked, state.last_report
        assert int(baked[1]) > 10 and int(baked[2]) == pytest.approx(1 + seconds * 24, abs=2)
        assert keys[:, 0].min() <= 1 and keys[:, 0].max() >= seconds * 24 - 1  # keys span the line
        assert np.all((keys[:, 1] >= 0) & (keys[:, 1] <= 1)) and np.ptp(keys[:, 1]) > 0.01
    finally:
        backend_process.stop_local_backend()


SHIPPED = "jambatalk-synthetic"
SEALED = 0.01  # the lip-sync measures' "sealed" mouth opening (lipwright.metrics.lipsync)


def spoken_line_for_shipped_models(backend_process, voice: str, folder: Path, monkeypatch) -> Path:
    """LINE spoken by espeak-ng `voice`, and a fresh backend that knows the shipped runs only."""
    wav = folder / "line.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), LINE], check=True, capture_output=True)
    monkeypatch.setenv("LIPWRIGHT_BACKEND_PYTHON", BACKEND_PYTHON)
    monkeypatch.setenv("LIPWRIGHT_MODELS_DIR", str(folder / "no-user-models"))
    monkeypatch.setenv("PYTHONPATH", str(REPO / "backend"))
    backend_process.stop_local_backend()  # one started by an earlier test may know other models
    return wav


def baked_lip_gap(compat, action, last_frame: int) -> np.ndarray:
    """The baked line's mouth opening per frame, as lipwright.motion.visemes.mouth_opening reads weights."""
    curves = {curve.data_path: curve for curve in compat.action_fcurves(action)}
    frames = np.arange(1, last_frame + 1)

    def unit(name):
        curve = curves.get(f'key_blocks["{name}"].value')
        return np.zeros(len(frames)) if curve is None else np.array([curve.evaluate(f) for f in frames])

    return np.maximum(unit("jawOpen") - unit("mouthClose"), 0) + 0.25 * sum(
        unit(name) for name in ("mouthFunnel", "mouthLowerDownLeft", "mouthLowerDownRight",
                                "mouthUpperUpLeft", "mouthUpperUpRight"))


@pytest.mark.sound_strips
def test_the_shipped_model_animates_a_line_without_a_transcript_and_closes_the_lips(addon, tmp_path, monkeypatch):
    """The checkpoint in the package, through the server, into the face's keys: the lips seal on the
    line's p/b/m and the jaw opens on its vowels, with no transcript and nothing downloaded."""
    from blender_addon import backend_process, compat, properties

    wav = spoken_line_for_shipped_models(backend_process, "en-gb", tmp_path, monkeypatch)
    state = bpy.context.window_manager.lipwright_job
    try:
        assert bpy.ops.lipwright.refresh_models() == {"FINISHED"}
        assert not state.last_error, state.last_error
        assert len(properties.model_speakers(SHIPPED)) > 5  # the corpus's voices, as styles
        scene = bpy.context.scene
        assert bpy.ops.lipwright.add_head() == {"FINISHED"}, state.last_error
        head = bpy.context.view_layer.objects.active
        compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
        settings = scene.lipwright
        settings.target, settings.sound_strip, settings.model = head, "Line 01", SHIPPED
        assert bpy.ops.lipwright.generate() == {"FINISHED"}, state.last_error
        assert not state.last_error, state.last_error
        gap = baked_lip_gap(compat, bpy.data.actions["Lipwright Line 01"], scene.frame_end)
        parted = np.flatnonzero(gap > SEALED)
        assert len(parted) and gap.max() > 0.15, gap.round(3)  # the lips part on the vowels
        inside = gap[parted[0]:parted[-1] + 1] <= SEALED  # between the line's first and last sound
        closures = np.count_nonzero(np.diff(inside.astype(int)) == 1)
        assert closures >= 3, gap.round(3)  # Bob made a map of the moon: they meet within the line
    finally:
        backend_process.stop_local_backend()


@pytest.mark.sound_strips
def test_network_closures_are_asked_for_and_baked_for_a_line_without_a_transcript(addon, tmp_path, monkeypatch):
    """The Phonemes model with "Network Closures": the option reaches the backend (only when chosen, so
    lines baked before keep their content hash), the backend hears the closures with the shipped
    network, and the lips seal on the line's p/b/m in the baked keys."""
    from blender_addon import backend_process, compat, operators, properties

    wav = spoken_line_for_shipped_models(backend_process, "en-us+m3", tmp_path, monkeypatch)
    state = bpy.context.window_manager.lipwright_job
    try:
        assert bpy.ops.lipwright.refresh_models() == {"FINISHED"}
        scene = bpy.context.scene
        assert bpy.ops.lipwright.add_head() == {"FINISHED"}, state.last_error
        head = bpy.context.view_layer.objects.active
        compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
        settings = scene.lipwright
        settings.target, settings.sound_strip, settings.model = head, "Line 01", properties.DEFAULT_MODEL
        strip = compat.find_strip(scene, "Line 01")

        def sent(spec):
            with np.load(io.BytesIO(spec.request), allow_pickle=False) as request:
                return json.loads(str(request["options"]))

        fast = operators.job_spec(bpy.context, strip)
        assert "recognition" not in sent(fast)
        settings.recognition = "NETWORK"
        network = operators.job_spec(bpy.context, strip)
        assert sent(network)["recognition"] == "network" and network.content_hash != fast.content_hash
        assert bpy.ops.lipwright.generate() == {"FINISHED"}, state.last_error
        assert not state.last_error, state.last_error
        gap = baked_lip_gap(compat, bpy.data.actions["Lipwright Line 01"], scene.frame_end)
        parted = np.flatnonzero(gap > SEALED)
        inside = gap[parted[0]:parted[-1] + 1] <= SEALED
        # Bob made a map of the moon: b, b, m, m, p, m; fast hears few of them in this voice.
        assert np.count_nonzero(np.diff(inside.astype(int)) == 1) >= 4, gap.round(3)
    finally:
        backend_process.stop_local_backend()
