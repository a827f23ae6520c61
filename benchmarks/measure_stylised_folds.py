"""How many triangles of a stylised character's mouth its generated shape keys turn over where the default
head's own face units keep them upright (issue 10: "fits without folds"). Prints a markdown table.

The character is the default head's skin under tests/retarget/constructions.stylise (eyes 45% bigger, mouth
45% wider, chin pulled in): same topology, so each triangle is compared with the head's own.
Run from the project root: PYTHONPATH=backend:. .venv/bin/python benchmarks/measure_stylised_folds.py
"""

import numpy as np

from lipwright.geometry.mesh import MeshData
from lipwright.retarget.prepare import prepare_character
from lipwright.template import load_default_head
from tests.retarget.constructions import skin_triangles, stylise

KEYS = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft", "mouthRollUpper")
MOUTH_REGION_WIDTHS = 1.2
WEIGHTS = (0.3, 0.6, 1.0)


def normals(vertices: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    corners = vertices[triangles]
    return np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])


def main() -> None:
    head = load_default_head()
    triangles = skin_triangles(head)
    vertices = stylise(head.mesh.vertices, head)
    mesh = MeshData(vertices.astype(np.float32), triangles.reshape(-1).astype(np.int32),
                    np.full(len(triangles), 3, dtype=np.int32))
    landmarks = {name: vertices[index] for name, index in head.landmark_index.items()}
    prepared = prepare_character(mesh, landmarks)
    lips = [landmarks[name] for name in ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")]
    width = np.linalg.norm(lips[2] - lips[3])
    near = np.linalg.norm(vertices - np.mean(lips, axis=0), axis=1) < MOUTH_REGION_WIDTHS * width
    mouth = triangles[near[triangles].all(axis=1)]
    rest_head = np.asarray(head.mesh.vertices, dtype=np.float64)
    print(f"mouth region: {len(mouth)} triangles; fit report: {prepared.report.inverted_mouth_triangles} "
          "fitted-template triangles folded")
    print("| key | weight | triangles folded on the character only |")
    print("|---|---:|---:|")
    totals = dict.fromkeys(WEIGHTS, 0)
    for key, name in enumerate(head.target_names):
        if not name.startswith(("jaw", "mouth")):
            continue
        for weight in WEIGHTS:
            head_folds = np.einsum("td,td->t", normals(rest_head + weight * head.targets[key], mouth),
                                   normals(rest_head, mouth)) <= 0
            folds = np.einsum("td,td->t", normals(vertices + weight * prepared.targets[key], mouth),
                              normals(vertices, mouth)) <= 0
            totals[weight] += int((folds & ~head_folds).sum())
            if name in KEYS or (folds & ~head_folds).any():
                print(f"| {name} | {weight} | {int((folds & ~head_folds).sum())} |")
    print("every jaw and mouth key, folded on the character only: "
          + ", ".join(f"{total} at {weight}" for weight, total in totals.items()))


if __name__ == "__main__":
    main()
