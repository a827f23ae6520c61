"""How many triangles of a character's mouth its generated shape keys turn over where the default head's own
motion keeps them upright (issue 10: "fits without folds"), with the keys as carried through the
correspondence and as untangled (retarget/untangle.py). Prints markdown tables.

The characters: the default head's skin under tests/retarget/constructions.stylise (eyes 45% bigger, mouth 45%
wider, chin pulled in; the head's topology, so each triangle is compared with the head's own), and three
modelled with the mouth open (tests/retarget/test_prepare_open_mouth.py): the head remeshed at jawOpen 0.35 and
0.7, and the stylised face at 0.35, each compared with its construction's own motion at the same triangles.
Run from the project root: PYTHONPATH=backend:. .venv/bin/python benchmarks/measure_stylised_folds.py
(for a "before" column, put an older commit's backend first: git archive COMMIT backend | tar -x -C /tmp/old,
then PYTHONPATH=/tmp/old/backend:. as RESULTS.md's before was made from bd92fb7).
"""

import time

import numpy as np

from lipwright.geometry.mesh import MeshData
from lipwright.retarget.fit_report import inverted_triangles
from lipwright.retarget.prepare import prepare_character
from lipwright.retarget.transfer import transfer_targets
from lipwright.template import load_default_head
from tests.retarget.constructions import decimated_skin, lip_halves, opened_rest, skin_triangles, stylise
from tests.retarget.test_prepare_open_mouth import CASES, open_character

KEYS = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft", "mouthRollUpper")
MOUTH_REGION_WIDTHS = 1.2
WEIGHTS = (0.3, 0.6, 1.0)


def mesh_of(vertices: np.ndarray, triangles: np.ndarray) -> MeshData:
    return MeshData(vertices.astype(np.float32), triangles.reshape(-1).astype(np.int32),
                    np.full(len(triangles), 3, dtype=np.int32))


def prepared_timed(mesh: MeshData, landmarks: dict):
    """(prepared, seconds from the start of the keys' stage to the end: carrying and untangling the keys)."""
    stages = {}
    started = time.perf_counter()
    prepared = prepare_character(mesh, landmarks,
                                 progress=lambda fraction, stage: stages.setdefault(fraction, time.perf_counter()))
    return prepared, time.perf_counter() - stages.get(0.85, started)


def extra_folds(head, vertices, triangles, landmarks, prepared, true_posed, lips) -> dict:
    """Per jaw/mouth key and weight: (as carried, untangled) mouth triangles folded where the truth's are not,
    and how far untangling moved the key's lip vertices (share of the mouth width)."""
    corners = [landmarks[name]
               for name in ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")]
    width = np.linalg.norm(landmarks["mouth_corner_left"] - landmarks["mouth_corner_right"])
    near = np.linalg.norm(vertices - np.mean(corners, axis=0), axis=1) < MOUTH_REGION_WIDTHS * width
    mouth = triangles[near[triangles].all(axis=1)]
    carried = transfer_targets(head.targets, prepared.correspondence)
    rows = {}
    for key, name in enumerate(head.target_names):
        if not name.startswith(("jaw", "mouth")):
            continue
        moved = np.linalg.norm(prepared.targets[key][lips] - carried[key][lips], axis=1).max() / width
        for weight in WEIGHTS:
            own = inverted_triangles(vertices, true_posed(key, weight), mouth)
            rows[name, weight] = tuple(int((inverted_triangles(vertices, vertices + weight * keys[key], mouth)
                                            & ~own).sum()) for keys in (carried, prepared.targets)) + (moved,)
    return rows


def main() -> None:
    head = load_default_head()
    rest_head = np.asarray(head.mesh.vertices, dtype=np.float64)
    head_targets = np.asarray(head.targets, dtype=np.float64)
    upper, lower = lip_halves(head)
    characters = {}
    # The stylised face, closed: the truth is the head's own triangle under the head's own key.
    triangles = skin_triangles(head)
    vertices = stylise(head.mesh.vertices, head)
    landmarks = {name: vertices[index] for name, index in head.landmark_index.items()}
    characters["stylised, closed"] = (vertices, triangles, landmarks,
                                      lambda key, weight: rest_head + weight * head_targets[key],
                                      np.flatnonzero(upper | lower))
    # Remeshed heads modelled open: the truth is the head's key at each vertex's place on the head.
    for case in sorted(CASES):
        character = open_character(head, case)
        vertices = np.asarray(character.mesh.vertices, dtype=np.float64)
        characters[case] = (vertices, character.mesh.faces_flat.reshape(-1, 3), character.landmarks,
                            lambda key, weight, c=character, v=vertices: v + weight * c.true_motion(head_targets[key]),
                            np.flatnonzero((upper | lower)[character.origin_corners].all(axis=1)))
    # The stylised face modelled open: the truth is the head's key before the stylising warp.
    vertices, triangles, (corners, weights) = decimated_skin(head, keep=0.5, jaw_open=0.35,
                                                             warp=lambda points: stylise(points, head))
    opened = opened_rest(head, 0.35)
    landmarks = dict(zip(head.landmark_index, stylise(opened[list(head.landmark_index.values())], head)))
    characters["stylised, jaw-0.35-decimated"] = (
        vertices, triangles, landmarks,
        lambda key, weight: np.einsum("vcd,vc->vd", stylise(opened + weight * head_targets[key], head)[corners],
                                      weights),
        np.flatnonzero((upper | lower)[corners].all(axis=1)))

    print("| character | vertices | keys' stage (s) | folded beyond the truth at 0.3 / 0.6 / 1.0, as carried "
          "| untangled | lip vertices moved by untangling (max, share of mouth width) |")
    print("|---|---:|---:|---:|---:|---:|")
    details = {}
    for name, (vertices, triangles, landmarks, true_posed, lips) in characters.items():
        prepared, seconds = prepared_timed(mesh_of(vertices, triangles), landmarks)
        rows = extra_folds(head, vertices, triangles, landmarks, prepared, true_posed, lips)
        details[name] = rows
        totals = [[sum(row[column] for (_, weight), row in rows.items() if weight == w) for w in WEIGHTS]
                  for column in (0, 1)]
        moved = max(row[2] for row in rows.values())
        print(f"| {name} | {len(vertices):,} | {seconds:.2f} | {' / '.join(map(str, totals[0]))} | "
              f"{' / '.join(map(str, totals[1]))} | {100 * moved:.1f}% |", flush=True)
    for name, rows in details.items():
        print(f"\n{name}: keys with a fold beyond the truth (as carried / untangled)")
        print("| key | weight | as carried | untangled |")
        print("|---|---:|---:|---:|")
        for (key, weight), (carried, untangled, _) in rows.items():
            if carried or untangled or (key in KEYS and name.startswith("stylised, closed")):
                print(f"| {key} | {weight} | {carried} | {untangled} |")


if __name__ == "__main__":
    main()
