"""Does the fit report name a misplaced landmark? (issue 10: "a clear report when the fit is poor, with where")

moved: on each character, each landmark moved once (tests/retarget/landmark_moves.py, the seeds of
tests/retarget/test_misplaced_landmarks.py) by 25-40% of the mouth width along the surface; counts the reports
whose warnings name the moved landmark alone, and those that name it at all (text only, so the old report,
which has no misplaced_landmarks, is measured alike: run with PYTHONPATH=<old checkout>/backend:.).
clean: the true landmarks (and found ones, with --found) of the truth characters: the landmarks named.
timing: the report's time, and that of landmark_disagreements, at 5k and 200k vertices.
Run from the project root: PYTHONPATH=backend:. .venv/bin/python benchmarks/measure_misplaced_landmarks.py
    [moved] [clean] [timing] [--found] [--characters shut open-0.35 ...]
"""

import argparse
import time

import numpy as np

from lipwright.geometry.mesh import MeshData
from lipwright.retarget.fit import fit_template
from lipwright.retarget.fit_report import report_fit
from lipwright.retarget.template_regions import template_regions
from lipwright.template import load_default_head
from lipwright.template.landmarks import LANDMARK_NAMES
from tests.retarget.auto_truth_cases import build
from tests.retarget.constructions import skin_triangles, stylise
from tests.retarget.landmark_moves import moved_landmark, named_landmarks
from tests.retarget.test_prepare_open_mouth import open_character

CHARACTERS = {"shut": lambda head: build(head, "decimated-mirrored-rotated-scaled"),
              "open-0.35": lambda head: open_character(head, "jaw-0.35-decimated-turned"),
              "open-0.7": lambda head: open_character(head, "jaw-0.7-decimated-mirrored-turned-small"),
              "subdivided": lambda head: build(head, "subdivided-rotated-scaled"),
              "no-inner-mouth": lambda head: build(head, "no-inner-mouth-rotated")}


def moved(head, regions, characters) -> None:
    print("| character | landmark | moved (% of mouth width) | landmarks named | areas |")
    print("|---|---|---:|---|---|")
    alone = at_all = total = 0
    for label in characters:
        character = CHARACTERS[label](head)
        width = np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"])
        for name in LANDMARK_NAMES:
            rng = np.random.default_rng([LANDMARK_NAMES.index(name), character.mesh.vertex_count])
            point = moved_landmark(character, name, rng)
            report = report_fit(head, regions, fit_template(head, character.mesh,
                                                            {**character.landmarks, name: point}))
            said = named_landmarks(report.warnings)
            total += 1
            alone += said == [name]
            at_all += name in said
            print(f"| {label} | {name} | {100 * np.linalg.norm(point - character.landmarks[name]) / width:.0f} "
                  f"| {', '.join(said) or '-'} | {', '.join(report.poor_areas) or '-'} |", flush=True)
    print(f"\nnamed alone: {alone}/{total}; named at all: {at_all}/{total}")


def clean(head, regions, characters, found: bool) -> None:
    print("| character | landmarks | landmarks named | areas | largest disagreement |")
    print("|---|---|---|---|---:|")
    sets = []
    for label in characters:
        character = CHARACTERS[label](head)
        sets.append((label, "true", character.mesh, character.landmarks))
        if found:
            from lipwright.retarget.landmarks import find_character_landmarks
            for method in ("detected", "geometric"):
                points = find_character_landmarks(character.mesh, use_detector=method == "detected").points
                sets.append((label, method, character.mesh, points))
    triangles = skin_triangles(head)
    vertices = stylise(head.mesh.vertices, head)
    sets.append(("stylised", "true", MeshData(vertices=vertices.astype(np.float32),
                                              faces_flat=triangles.reshape(-1).astype(np.int32),
                                              face_sizes=np.full(len(triangles), 3, dtype=np.int32)),
                 {name: vertices[index] for name, index in head.landmark_index.items()}))
    for label, method, mesh, landmarks in sets:
        report = report_fit(head, regions, fit_template(head, mesh, landmarks))
        worst = max(getattr(report, "landmark_disagreements", {}).items(), key=lambda item: item[1],
                    default=("-", 0.0))
        print(f"| {label} | {method} | {', '.join(named_landmarks(report.warnings)) or '-'} "
              f"| {', '.join(report.poor_areas) or '-'} | {worst[0]} {100 * worst[1]:.0f}% |", flush=True)


def timing(head, regions) -> None:
    from benchmarks.bench_prepare import head_skin_of_size
    from lipwright.retarget.misplaced_landmarks import landmark_disagreements

    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    landmarks = {name: rest[index] for name, index in head.landmark_index.items()}
    print("| vertices | report (s) | of which landmark_disagreements (s) |")
    print("|---:|---:|---:|")
    for size in (5_000, 200_000):
        surface = head_skin_of_size(head, size)
        mesh = MeshData(vertices=np.asarray(surface.vertices, dtype=np.float32),
                        faces_flat=np.asarray(surface.faces, dtype=np.int32).reshape(-1),
                        face_sizes=np.full(len(surface.faces), 3, dtype=np.int32))
        fit = fit_template(head, mesh, landmarks)
        started = time.process_time()
        report_fit(head, regions, fit)
        middle = time.process_time()
        landmark_disagreements(head, regions, fit)
        print(f"| {len(surface.vertices)} | {middle - started:.2f} | {time.process_time() - middle:.2f} |",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["moved", "clean", "timing"])
    parser.add_argument("--characters", nargs="+", default=["shut", "open-0.35"], choices=sorted(CHARACTERS))
    parser.add_argument("--found", action="store_true", help="also the landmarks found automatically")
    args = parser.parse_args()
    head = load_default_head()
    regions = template_regions(head)
    if "moved" in args.parts:
        moved(head, regions, args.characters)
    if "clean" in args.parts:
        clean(head, regions, args.characters, args.found)
    if "timing" in args.parts:
        timing(head, regions)


if __name__ == "__main__":
    main()
