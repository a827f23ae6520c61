"""Time to prepare a character (fit, correspondence, 52 targets) at 5k, 50k and 200k vertices, and the
per-frame cost of carrying a vertex-space model's offsets (--frames of them) to it, from its stored
correspondence. Prints a markdown table.

The characters are the default head's skin, subdivided and decimated to the size, then rotated and scaled.
Run: .venv/bin/python benchmarks/bench_prepare.py [--sizes 5000 50000 200000] [--frames 300]
"""

import argparse
import time

import numpy as np
import trimesh

from lipwright.geometry.mesh import MeshData
from lipwright.retarget.correspondence import correspondence_npz_bytes, load_correspondence
from lipwright.retarget.prepare import prepare_character
from lipwright.retarget.template_regions import triangulate
from lipwright.retarget.transfer import transfer_offsets
from lipwright.template import load_default_head


def head_skin_of_size(head, vertex_count: int) -> trimesh.Trimesh:
    skin = np.zeros(head.vertex_count, dtype=bool)
    skin[head.parts["skin"]] = True
    triangles = triangulate(head.mesh)
    surface = trimesh.Trimesh(np.asarray(head.mesh.vertices, dtype=np.float64),
                              triangles[skin[triangles].all(axis=1)], process=False)
    surface.remove_unreferenced_vertices()
    while len(surface.vertices) < vertex_count:
        surface = surface.subdivide()
    if len(surface.vertices) > 1.1 * vertex_count:
        # A closed-ish surface has about twice as many triangles as vertices.
        surface = surface.simplify_quadric_decimation(face_count=2 * vertex_count)
    return surface


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000, 200_000])
    parser.add_argument("--frames", type=int, default=100)
    args = parser.parse_args()
    head = load_default_head()
    rotation = trimesh.transformations.rotation_matrix(0.9, [1.0, 0.5, 0.2])[:3, :3]
    linear = 10.0 * rotation
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    landmarks = {name: rest[index] @ linear.T for name, index in head.landmark_index.items()}
    weights = np.random.default_rng(0).uniform(0.0, 0.3, size=(args.frames, len(head.target_names)))
    offsets = np.einsum("fu,uvd->fvd", weights, head.targets).astype(np.float32)

    # CPU seconds beside wall seconds: on a shared machine the wall clock measures the neighbours too.
    print("| vertices | prepare (s) | prepare CPU (s) | transfer per frame (ms) | transfer CPU per frame (ms) "
          "| face surface error (% of mouth width, p95) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        surface = head_skin_of_size(head, size)
        mesh = MeshData(vertices=(np.asarray(surface.vertices) @ linear.T).astype(np.float32),
                        faces_flat=np.asarray(surface.faces, dtype=np.int32).reshape(-1),
                        face_sizes=np.full(len(surface.faces), 3, dtype=np.int32))
        started, started_cpu = time.perf_counter(), time.process_time()
        prepared = prepare_character(mesh, landmarks)
        prepare_seconds, prepare_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        # As a stored character is used: its correspondence read back, nothing kept from the preparation.
        stored = load_correspondence(correspondence_npz_bytes(prepared.correspondence))
        started, started_cpu = time.perf_counter(), time.process_time()
        transfer_offsets(offsets, stored)
        per_frame_ms = 1000.0 * (time.perf_counter() - started) / args.frames
        per_frame_cpu_ms = 1000.0 * (time.process_time() - started_cpu) / args.frames
        print(f"| {mesh.vertex_count:,} | {prepare_seconds:.1f} | {prepare_cpu:.1f} | {per_frame_ms:.2f} | "
              f"{per_frame_cpu_ms:.2f} | {100 * prepared.report.surface_error_p95:.2f} |", flush=True)


if __name__ == "__main__":
    main()
