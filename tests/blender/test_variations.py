"""Variations and the upper face's intensity, end to end: a tiny landmark-guided run (a model that
samples) served by the real backend animates a spoken line three times with consecutive seeds; the line
keeps all three, plays the one its Variation control picks, keeps one with its seed; Upper Face stills
the brows and lids alone. A model that gives one answer per line is refused, and nothing is baked."""

import os
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
BROWS_AND_LIDS = ("browInnerUp", "browDownLeft", "browDownRight", "browOuterUpLeft", "browOuterUpRight",
                  "eyeBlinkLeft", "eyeBlinkRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight")


def make_run(folder: Path, *flags: str) -> None:
    done = subprocess.run([BACKEND_PYTHON, str(REPO / "tests" / "models" / "tiny_run.py"), str(folder), *flags],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(REPO / "backend")))
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture()
def scene_with_line(addon, tmp_path, monkeypatch):
    """(scene, head, strip name) with a spoken line, and the backend serving two tiny runs."""
    from blender_addon import backend_process, compat

    assert shutil.which("espeak-ng"), "espeak-ng is not installed (run `make setup`)"
    make_run(tmp_path / "models" / "tiny-landmarks", "--landmarks")
    make_run(tmp_path / "models" / "tiny-jambatalk")
    wav = tmp_path / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), LINE], check=True, capture_output=True)
    monkeypatch.setenv("LIPWRIGHT_BACKEND_PYTHON", BACKEND_PYTHON)
    monkeypatch.setenv("LIPWRIGHT_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("PYTHONPATH", str(REPO / "backend"))
    backend_process.stop_local_backend()  # one started by an earlier test knows other models
    try:
        assert bpy.ops.lipwright.refresh_models() == {"FINISHED"}
        scene = bpy.context.scene
        scene.render.fps, scene.render.fps_base = 24, 1.0
        assert bpy.ops.lipwright.add_head() == {"FINISHED"}
        head = bpy.context.view_layer.objects.active
        compat.new_sound_strip(scene, "Line 01", str(wav), 1, 1)
        scene.lipwright.target, scene.lipwright.sound_strip = head, "Line 01"
        yield scene, head, "Line 01"
    finally:
        backend_process.stop_local_backend()


def curve_values(name: str) -> np.ndarray:
    """The keyed values of the line's curve for key `name`; none (a key the line never moves) as [0]."""
    from blender_addon import compat

    curves = {c.data_path: c for c in compat.action_fcurves(bpy.data.actions["Lipwright Line 01"])}
    curve = curves.get(f'key_blocks["{name}"].value')
    if curve is None:
        return np.zeros(1, np.float32)
    values = np.empty(len(curve.keyframe_points) * 2, np.float32)
    curve.keyframe_points.foreach_get("co", values)
    return values.reshape(-1, 2)[:, 1]


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_variations_are_kept_switched_and_one_is_kept_with_its_seed(scene_with_line):
    from blender_addon import compat, line_store

    scene, head, strip_name = scene_with_line
    state = bpy.context.window_manager.lipwright_job
    scene.lipwright.model = "tiny-landmarks"
    line = compat.find_strip(scene, strip_name).lipwright_line
    line.variation_count, line.variation_seed = 3, 5
    assert bpy.ops.lipwright.generate_variations() == {"FINISHED"}, state.last_error
    assert "3 variations, seeds 5-7" in state.last_report
    action = line_store.line_action(head, strip_name)
    variations, seeds = line_store.stored_variations(action)
    assert seeds == [5, 6, 7] and variations.shape[0] == 3
    assert line_store.made_by(action) == {"model": "tiny-landmarks", "seed": 5, "sampling_steps": 4}
    first = curve_values("jawOpen")
    assert np.abs(variations[0] - variations[2]).max() > 1e-3  # seeds give different motion

    line.variation = 2
    assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
    third = curve_values("jawOpen")
    assert np.abs(third - first).max() > 1e-4
    assert line_store.made_by(line_store.line_action(head, strip_name))["seed"] == 7

    assert bpy.ops.lipwright.keep_variation() == {"FINISHED"}
    action = line_store.line_action(head, strip_name)
    assert line_store.stored_variations(action) is None and line_store.made_by(action)["seed"] == 7
    assert line.variation == 0
    np.testing.assert_allclose(curve_values("jawOpen"), third, atol=1e-6)

    # Bake All leaves the kept variation alone: the seed the animator picked is no change of the line's inputs.
    from blender_addon import scene_bake

    row = scene.lipwright_cast.rows.add()
    row.match, row.character = "Line", head
    assert bpy.ops.lipwright.bake_all() == {"FINISHED"}
    assert [line.outcome for line in scene_bake.last_report().lines] == ["UNCHANGED"]
    assert line_store.made_by(line_store.line_action(head, strip_name))["seed"] == 7


@pytest.mark.sound_strips
def test_upper_face_stills_brows_and_lids_and_leaves_the_mouth(scene_with_line):
    from blender_addon import compat, line_store

    scene, head, strip_name = scene_with_line
    state = bpy.context.window_manager.lipwright_job
    scene.lipwright.model = "tiny-jambatalk"
    assert bpy.ops.lipwright.generate() == {"FINISHED"}, state.last_error
    before = {name: curve_values(name) for name in ("jawOpen", *BROWS_AND_LIDS)}
    assert sum(np.abs(values).max() > 1e-3 for name, values in before.items() if name != "jawOpen") >= 2
    compat.find_strip(scene, strip_name).lipwright_line.upper_face = 0.0
    assert bpy.ops.lipwright.apply_controls() == {"FINISHED"}
    for name in BROWS_AND_LIDS:
        assert np.abs(curve_values(name)).max() < 1e-6, name
    np.testing.assert_allclose(curve_values("jawOpen"), before["jawOpen"], atol=1e-6)
    weights, _ = line_store.stored_weights(line_store.line_action(head, strip_name))
    assert weights.max() > 1e-3  # the stored result stays raw: Upper Face back at 1 restores the brows


@pytest.mark.sound_strips
def test_a_model_that_gives_one_answer_is_refused_and_nothing_is_baked(scene_with_line):
    from blender_addon import line_store

    _, head, strip_name = scene_with_line
    state = bpy.context.window_manager.lipwright_job
    bpy.context.scene.lipwright.model = "tiny-jambatalk"
    with pytest.raises(RuntimeError, match="gave the same motion for every seed"):  # the operator's report
        bpy.ops.lipwright.generate_variations()
    assert "variations need a model that samples" in state.last_error
    assert line_store.line_action(head, strip_name) is None
