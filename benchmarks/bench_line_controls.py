"""A line's controls re-applied in real Blender (the PyPI bpy module) from the result stored on the line:
bake, then Apply Controls with smoothing, intensity and key reduction, for lines of 1 and 10 minutes
of 52 ARKit weights at 30 fps; plus the stored result's size in the saved .blend.

Run: .venv/bin/python benchmarks/bench_line_controls.py [--minutes 1 10] [--tolerance 0.02]
"""

import argparse
import os
import sys
import tempfile
import time
import wave
from pathlib import Path

import bpy
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the add-on folder, as a plain package
import blender_addon  # noqa: E402
from blender_addon import bake, compat, line_store  # noqa: E402
from blender_addon.arkit_names import ARKIT_NAMES  # noqa: E402
from blender_addon.line_controls import smooth  # noqa: E402


def speech_like(frames: int) -> np.ndarray:
    """Mouth-like curves: sparse random pulses, smoothed over ~3 frames, in [0, 1]."""
    rng = np.random.default_rng(0)
    pulses = (rng.random((frames, 52)) > 0.95) * rng.random((frames, 52))
    return np.clip(smooth(pulses, 3.0) * 4.0, 0.0, 1.0).astype(np.float32)


def face_with_arkit_keys():
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 30, 1.0
    bpy.ops.mesh.primitive_plane_add()
    obj = bpy.context.active_object
    obj.shape_key_add(name="Basis")
    for name in ARKIT_NAMES:
        obj.shape_key_add(name=name)
    return scene, obj


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--tolerance", type=float, default=0.02)
    args = parser.parse_args()
    silent_wav = os.path.join(tempfile.mkdtemp(), "silence.wav")
    with wave.open(silent_wav, "wb") as out:  # the line's sound strip carries its controls
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000), out.writeframes(bytes(3200))
    print(f"Blender {bpy.app.version_string}; 52 ARKit weights at 30 fps; key reduction tolerance {args.tolerance}")
    for minutes in args.minutes:
        frames = int(minutes * 60 * 30)
        scene, obj = face_with_arkit_keys()
        blender_addon.register()
        result = {"weights": speech_like(frames), "weight_names": list(ARKIT_NAMES), "fps": 30.0, "meta": {}}
        started = time.perf_counter()
        bake.bake_result(scene, obj, result, "Line", 1)
        baked = time.perf_counter() - started
        line = compat.new_sound_strip(scene, "Line", silent_wav, 1, 1).lipwright_line
        line.intensity, line.smoothing, line.reduction = 1.3, 1.5, args.tolerance
        started = time.perf_counter()
        line_store.reapply_line(scene, obj, "Line")
        applied = time.perf_counter() - started
        action = line_store.line_action(obj, "Line")
        keys = sum(len(c.keyframe_points) for c in bake.compat.action_fcurves(action))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "line.blend")
            bpy.ops.wm.save_as_mainfile(filepath=path, compress=False)
            size = os.path.getsize(path)
        blender_addon.unregister()
        print(f"{minutes:g} min ({frames} frames): bake {baked:.2f} s; apply controls {applied:.2f} s; "
              f"{keys} keys of {frames * 52} ({keys / (frames * 52):.0%}); .blend {size / 1e6:.1f} MB "
              f"(stored result {frames * 52 * 4 / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
