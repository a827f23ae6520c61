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
pumped = []  # timer callbacks this script calls itself, as Blender's event loop would
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
    # The interactive path: a worker thread talks to the backend while the main thread stays free,
    # and the timer callback hands the result over. Timers never fire in background mode, so this
    # main thread calls the registered callback itself, as Blender's event loop would.
    import time
    from bl_ext.user_default.lipwright import job_runner, operators, preferences
    spec = operators.job_spec(bpy.context, compat.find_strip(scene, "Line 03"))
    batch = job_runner.start_batch([spec], preferences.backend_settings(bpy.context).connect,
                                   operators.on_line_done, operators.on_batch_update, background=False)
    pumped.append(batch.poll)
    polls, running_seen = 0, False
    while batch.poll() is not None:
        polls += 1
        running_seen |= bpy.context.window_manager.lipwright_job.running
        time.sleep(0.02)
    job_state = bpy.context.window_manager.lipwright_job
    report["threaded"] = {"polls": polls, "running_seen": running_seen, "running_after": job_state.running,
                          "progress": job_state.progress, "report": job_state.last_report,
                          "error": job_state.last_error, "timer": bpy.app.timers.is_registered(batch.poll)}
    bpy.app.timers.unregister(batch.poll)  # what Blender does when the callback returns None
    # Cancel: the running line stops at the backend, the waiting one never starts, nothing is baked.
    tracks_before = sorted(t.name for t in head.data.shape_keys.animation_data.nla_tracks)
    specs = [operators.job_spec(bpy.context, compat.find_strip(scene, name)) for name in ("Line 02", "Line 03")]
    batch = job_runner.start_batch(specs, preferences.backend_settings(bpy.context).connect,
                                   operators.on_line_done, operators.on_batch_update, background=False)
    pumped.append(batch.poll)
    report["cancel_accepted"] = job_runner.cancel_current()
    job_runner.stop_timers()  # as the add-on's unregister does: no callback outlives it
    timer_left = bpy.app.timers.is_registered(batch.poll)
    while batch.poll() is not None:
        time.sleep(0.02)
    report["cancelled"] = {"states": [job.state for job in batch.jobs], "timer_left": timer_left,
                           "tracks_unchanged": tracks_before == sorted(t.name for t in head.data.shape_keys.animation_data.nla_tracks),
                           "running_after": bpy.context.window_manager.lipwright_job.running}
    report["backend_state"] = backend_process.current_backend().state.value
    report["backend_pid"] = backend_process.current_backend().ready.get("pid")
except Exception as error:
    report["error"] = f"{type(error).__name__}: {error}"
finally:
    # A timer still registered when the bpy module exits deadlocks Blender's exit handlers.
    for poll in pumped:
        if bpy.app.timers.is_registered(poll):
            bpy.app.timers.unregister(poll)
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
                          capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path)
    lines = [l for l in done.stdout.splitlines() if l.startswith("REPORT ")]
    assert lines, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(lines[-1][len("REPORT "):])
    assert report.get("generate") == ["FINISHED"], (report, done.stderr[-3000:])
    assert report["head_keys"] == 53
    assert report["first_frame"] == 98.0 and report["steps"] == [1.0, 3.0]  # eased in from rest 3 frames early
    assert report["curves"] >= 10 and report["jaw_max"] > 0.2  # the mouth opens on the vowels
    assert report["jaw_first"] < 0.1  # and starts at rest
    assert report["generate_basis"] == ["FINISHED"] and 1 <= len(report["basis_keys"]) <= 32
    assert report["tracks"].count("Lipwright Line 01") == 1  # the basis bake replaced the ARKit one
    assert report["generate_selected"] == ["FINISHED"], report
    assert {"Lipwright Line 01", "Lipwright Line 02", "Lipwright Line 03"} <= set(report["tracks_after_batch"])
    assert report["batch_starts"]["Lipwright Line 02"] == 197 and report["batch_starts"]["Lipwright Line 03"] == 297
    threaded = report["threaded"]
    assert threaded["polls"] > 0 and threaded["running_seen"] and not threaded["running_after"], threaded
    assert threaded["progress"] == 1.0 and "Line 03" in threaded["report"] and not threaded["error"]
    assert threaded["timer"]  # registered with Blender's timers, as in the interactive UI
    assert report["cancel_accepted"] and report["cancelled"]["states"] == ["cancelled", "cancelled"], report["cancelled"]
    assert not report["cancelled"]["timer_left"] and not report["cancelled"]["running_after"]
    assert report["backend_state"] == "running"
    # the backend died with its Blender (atexit stop, or the closed stdin pipe)
    pid = report["backend_pid"]
    assert pid
    deadline = time.monotonic() + 15
    while _alive(pid):
        assert time.monotonic() < deadline, f"backend {pid} outlived Blender"
        time.sleep(0.2)
