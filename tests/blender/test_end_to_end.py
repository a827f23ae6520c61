"""End to end: the built zip installed in Blender starts the real backend, animates real speech, bakes it.

Needs espeak-ng and a Python with the backend's dependencies ($LIPWRIGHT_BACKEND_PYTHON, default
the repo's .venv); it fails, never skips, when either is missing. Runs in a child process with a temporary
BLENDER_USER_RESOURCES, in background mode, where Generate runs synchronously.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.blender.test_install_zip import build_zip

BACKEND_PYTHON = os.environ.get("LIPWRIGHT_BACKEND_PYTHON", str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "python"))
LINE = "Bob made a map of the moon."
SECOND_LINE = "Put the pot back please."

CHILD = r"""
import json, sys
import bpy
import numpy as np
archive, wav = sys.argv[1], sys.argv[2]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.extensions.package_install_files(filepath=archive, repo="user_default", enable_on_install=True)
addon = sys.modules["bl_ext.user_default.lipwright"]
from bl_ext.user_default.lipwright import backend_process, compat
report = {}
try:
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    assert bpy.ops.lipwright.add_head() == {"FINISHED"}
    head = bpy.context.view_layer.objects.active
    report["head_keys"] = len(head.data.shape_keys.key_blocks)
    strip = compat.new_sound_strip(scene, "Line 01", wav, 1, 101)
    settings = scene.lipwright
    settings.target = head
    settings.sound_strip = "Line 01"
    settings.transcript = sys.argv[3]
    report["generate"] = sorted(bpy.ops.lipwright.generate())
    report["state"] = bpy.context.window_manager.lipwright_job.last_error or bpy.context.window_manager.lipwright_job.last_report
    action = bpy.data.actions["Lipwright Line 01"]
    curves = {c.data_path: c for c in compat.action_fcurves(action)}
    jaw = curves['key_blocks["jawOpen"].value']
    co = np.empty(len(jaw.keyframe_points) * 2, np.float32)
    jaw.keyframe_points.foreach_get("co", co)
    co = co.reshape(-1, 2)
    close = curves['key_blocks["mouthClose"].value'] if 'key_blocks["mouthClose"].value' in curves else None
    report.update(curves=len(curves), first_frame=float(co[0, 0]), last_frame=float(co[-1, 0]),
                  frames=len(co), jaw_max=float(co[:, 1].max()), jaw_first=float(co[0, 1]),
                  steps=sorted(set(np.round(np.diff(co[:, 0]), 4).tolist())))
    settings.bake_mode = "BASIS"
    report["generate_basis"] = sorted(bpy.ops.lipwright.generate())
    report["basis_keys"] = [k.name for k in head.data.shape_keys.key_blocks if k.name.startswith("LW ")]
    report["tracks"] = [t.name for t in head.data.shape_keys.animation_data.nla_tracks]
    # A dialogue scene: two more lines, each with its own transcript on its strip, in one batch.
    second = compat.new_sound_strip(scene, "Line 02", sys.argv[4], 2, 200)
    third = compat.new_sound_strip(scene, "Line 03", sys.argv[4], 3, 300)
    for other in compat.sound_strips(scene):
        other.select = other.name != "Line 01"
    settings.sound_strip = "Line 02"
    settings.transcript = sys.argv[5]
    third["lipwright_transcript"] = sys.argv[5]
    settings.bake_mode = "AUTO"
    report["generate_selected"] = sorted(bpy.ops.lipwright.generate_selected())
    report["tracks_after_batch"] = sorted(t.name for t in head.data.shape_keys.animation_data.nla_tracks)
    report["batch_starts"] = {t.name: t.strips[0].frame_start for t in head.data.shape_keys.animation_data.nla_tracks if t.strips}
    report["backend_state"] = backend_process.current_backend().state.value
    report["backend_pid"] = backend_process.current_backend().ready.get("pid")
except Exception as error:
    report["error"] = f"{type(error).__name__}: {error}"
finally:
    print("REPORT " + json.dumps(report), flush=True)
"""


def _backend_ready():
    if not shutil.which("espeak-ng"):
        return "espeak-ng is not installed"
    if not Path(BACKEND_PYTHON).exists():
        return f"no backend Python at {BACKEND_PYTHON}"
    check = subprocess.run([BACKEND_PYTHON, "-c", "import fastapi, uvicorn, pocketsphinx, soundfile"], capture_output=True)
    return "" if check.returncode == 0 else "the backend Python lacks the backend's dependencies"


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_zip_backend_speech_bake(tmp_path):
    problem = _backend_ready()
    assert not problem, f"cannot run end to end: {problem} (run `make setup`)"
    archive = build_zip(tmp_path / "dist")
    wav = tmp_path / "line.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), LINE], check=True, capture_output=True)
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"), LIPWRIGHT_BACKEND_PYTHON=BACKEND_PYTHON)
    second = tmp_path / "line2.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(second), SECOND_LINE], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", CHILD, str(archive), str(wav), LINE, str(second), SECOND_LINE],
                          capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    lines = [l for l in done.stdout.splitlines() if l.startswith("REPORT ")]
    assert lines, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(lines[-1][len("REPORT "):])
    assert report.get("generate") == ["FINISHED"], (report, done.stderr[-3000:])
    assert report["head_keys"] == 53
    assert report["first_frame"] == 101.0 and report["steps"] == [1.0]
    assert report["curves"] >= 10 and report["jaw_max"] > 0.2  # the mouth opens on the vowels
    assert report["jaw_first"] < 0.1  # and starts at rest
    assert report["generate_basis"] == ["FINISHED"] and 1 <= len(report["basis_keys"]) <= 32
    assert report["tracks"].count("Lipwright Line 01") == 1  # the basis bake replaced the ARKit one
    assert report["generate_selected"] == ["FINISHED"], report
    assert {"Lipwright Line 01", "Lipwright Line 02", "Lipwright Line 03"} <= set(report["tracks_after_batch"])
    assert report["batch_starts"]["Lipwright Line 02"] == 200 and report["batch_starts"]["Lipwright Line 03"] == 300
    assert report["backend_state"] == "running"
    # the backend died with its Blender (atexit stop, or the closed stdin pipe)
    pid = report["backend_pid"]
    assert pid
    deadline = time.monotonic() + 15
    while _alive(pid):
        assert time.monotonic() < deadline, f"backend {pid} outlived Blender"
        time.sleep(0.2)
