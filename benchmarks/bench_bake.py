"""Bake time in real Blender (the PyPI bpy module): the add-on's bulk path against a per-frame
`keyframe_insert` loop, for 1,000 and 10,000 frames of 52 ARKit keys; plus basis mode on the head.

Run: .venv/bin/python benchmarks/bench_bake.py [--frames 1000 10000] [--skip-loop-above 20000]
"""

import argparse
import sys
import time
from pathlib import Path

import bpy
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the add-on folder, as a plain package
from blender_addon import bake, head  # noqa: E402
from blender_addon.arkit_names import ARKIT_NAMES  # noqa: E402


def fresh_head(template: dict):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 30, 1.0
    return scene, head.create_head(template, collection=scene.collection)


def arkit_result(frames: int, vertices: int) -> dict:
    rng = np.random.default_rng(0)
    weights = np.clip(rng.normal(0.2, 0.2, size=(frames, 52)), 0, 1).astype(np.float32)
    return {"weights": weights, "weight_names": list(ARKIT_NAMES), "fps": 30.0,
            "offsets": np.zeros((frames, 1, 3), np.float32), "rest": np.zeros((vertices, 3), np.float32),
            "landmark_names": np.array([]), "landmark_index": np.array([], np.int64), "meta": {}, "landmarks": {}}


def per_frame_loop(obj, weights: np.ndarray, frame_start: int) -> None:
    """What a naive add-on does: set each key and insert a keyframe, frame by frame."""
    blocks = [obj.data.shape_keys.key_blocks[name] for name in ARKIT_NAMES]
    for frame, row in enumerate(weights):
        for block, value in zip(blocks, row):
            block.value = float(value)
            block.keyframe_insert("value", frame=frame_start + frame)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--skip-loop-above", type=int, default=20000)
    args = parser.parse_args()
    from lipwright.template import load_default_head, template_arrays

    template = head.load_template(template_arrays(load_default_head()))
    print(f"Blender {bpy.app.version_string}")
    print(f"{'frames':>7s} {'bulk s':>8s} {'loop s':>8s} {'ratio':>7s}   (52 ARKit keys, per-frame keyframe_insert vs bulk)")
    for frames in args.frames:
        scene, obj = fresh_head(template)
        result = arkit_result(frames, len(obj.data.vertices))
        started = time.perf_counter()
        bake.bake_result(scene, obj, result, "bench", 1, mode="ARKIT")
        bulk = time.perf_counter() - started
        loop = float("nan")
        if frames <= args.skip_loop_above:
            scene, obj = fresh_head(template)
            started = time.perf_counter()
            per_frame_loop(obj, result["weights"], 1)
            loop = time.perf_counter() - started
        print(f"{frames:7d} {bulk:8.3f} {loop:8.3f} {loop / bulk:6.0f}x")

    print("basis mode on the default head (offsets compressed to shape keys):")
    for frames in args.frames:
        scene, obj = fresh_head(template)
        rng = np.random.default_rng(1)
        targets = template["targets"]
        weights = np.clip(rng.normal(0.15, 0.15, size=(frames, 52)), 0, 1).astype(np.float32)
        offsets = np.einsum("fk,kvc->fvc", weights[:, :12], targets[:12]).astype(np.float32)
        result = arkit_result(frames, len(obj.data.vertices)) | {"offsets": offsets}
        result.pop("weights")
        started = time.perf_counter()
        report = bake.bake_result(scene, obj, result, "bench", 1, mode="BASIS")
        print(f"{frames:7d} {time.perf_counter() - started:8.3f} s   {len(report.shape_keys)} keys, "
              f"{report.energy_kept * 100:.2f}% energy, worst error {report.max_error * 1000:.3f} mm")


if __name__ == "__main__":
    main()
