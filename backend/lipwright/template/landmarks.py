"""Finds named landmarks and the lip and upper-face regions on the head from its geometry and face-unit targets.

Frame: metres, Z up, the face looks toward -Y, the character's left is +X."""

from __future__ import annotations

import numpy as np

from ..geometry.mesh import MeshData

LANDMARK_NAMES: tuple[str, ...] = (
    "lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right", "chin", "nose_tip",
    "upper_lid_left", "upper_lid_right", "lower_lid_left", "lower_lid_right",
)
_MIDLINE_TOLERANCE_M = 1e-5
# Shares of a unit's largest displacement above which a vertex counts as moved by it.
_STRONG = 0.5
_CLEAR = 0.3
_SLIGHT = 0.25
_ANY = 0.02


def find_landmarks(mesh: MeshData, targets: np.ndarray, names: tuple[str, ...], skin: np.ndarray) -> dict[str, int]:
    """Landmark name -> vertex index; targets: (units, vertices, 3) offsets named by `names` (ARKit)."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    moved = _movement(targets, names)
    on_skin = np.zeros(len(vertices), dtype=bool)
    on_skin[skin] = True
    midline = on_skin & (np.abs(vertices[:, 0]) < _MIDLINE_TOLERANCE_M)

    # The jaw barely moves the upper lip and carries the lower lip; the lip rolls say what is lip.
    jaw, roll_upper, roll_lower = moved["jawOpen"], moved["mouthRollUpper"], moved["mouthRollLower"]
    upper_lip = midline & (roll_upper >= _CLEAR * roll_upper.max()) & (jaw < _SLIGHT * jaw.max())
    lower_lip = midline & (roll_lower >= _CLEAR * roll_lower.max()) & (jaw >= _STRONG * jaw.max())
    # The inner lip edge: the upper lip's lowest point and the lower lip's highest.
    lip_upper_mid = _pick(upper_lip, -vertices[:, 2])
    lip_lower_mid = _pick(lower_lip, vertices[:, 2])

    # Upper and lower lip join only at the corners (or deep in the mouth), so the shortest surface
    # path between the two lip midpoints on one side of the face runs through that side's corner.
    corner_left = _corner(mesh, vertices, on_skin & (vertices[:, 0] >= -_MIDLINE_TOLERANCE_M), lip_upper_mid, lip_lower_mid, +1)
    corner_right = _corner(mesh, vertices, on_skin & (vertices[:, 0] <= _MIDLINE_TOLERANCE_M), lip_upper_mid, lip_lower_mid, -1)

    below_lip = vertices[:, 2] < vertices[lip_lower_mid, 2]
    # Gnathion: the point of the jaw farthest forward (-Y) and down (-Z) together.
    chin = _pick(midline & below_lip & (jaw >= _STRONG * jaw.max()), -vertices[:, 1] - vertices[:, 2])
    nose_tip = _pick(midline & (vertices[:, 2] > vertices[lip_upper_mid, 2]), -vertices[:, 1])

    landmarks = {
        "lip_upper_mid": lip_upper_mid, "lip_lower_mid": lip_lower_mid,
        "mouth_corner_left": corner_left, "mouth_corner_right": corner_right,
        "chin": chin, "nose_tip": nose_tip,
    }
    for side, unit in (("left", "eyeBlinkLeft"), ("right", "eyeBlinkRight")):
        upper, lower = _eyelids(vertices, targets[names.index(unit)], moved[unit], on_skin)
        landmarks[f"upper_lid_{side}"], landmarks[f"lower_lid_{side}"] = upper, lower
    return {name: int(landmarks[name]) for name in LANDMARK_NAMES}


def lip_region(targets: np.ndarray, names: tuple[str, ...], skin: np.ndarray, vertices: np.ndarray,
               landmark_index: dict[str, int]) -> np.ndarray:
    """Skin vertices the lip rolls move clearly, between the mouth corners (the LVE region)."""
    moved = _movement(targets, names)
    roll_upper, roll_lower = moved["mouthRollUpper"], moved["mouthRollLower"]
    lip = (roll_upper >= _CLEAR * roll_upper.max()) | (roll_lower >= _CLEAR * roll_lower.max())
    half_width = 1.1 * max(abs(vertices[landmark_index["mouth_corner_left"], 0]),
                           abs(vertices[landmark_index["mouth_corner_right"], 0]))
    lip &= np.abs(vertices[:, 0]) <= half_width
    return np.intersect1d(np.flatnonzero(lip), skin).astype(np.int32)


def upper_face_region(targets: np.ndarray, names: tuple[str, ...], skin: np.ndarray) -> np.ndarray:
    """Skin vertices any eye or brow unit moves: eyelids, brows and forehead (the FDD region)."""
    moved = _movement(targets, names)
    upper = np.zeros(targets.shape[1], dtype=bool)
    for name in names:
        if name.startswith(("eye", "brow")):
            upper |= moved[name] > _ANY * moved[name].max()
    return np.intersect1d(np.flatnonzero(upper), skin).astype(np.int32)


def _movement(targets: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {name: np.linalg.norm(targets[i], axis=1) for i, name in enumerate(names)}


def _pick(candidates: np.ndarray, score: np.ndarray) -> int:
    indices = np.flatnonzero(candidates)
    if len(indices) == 0:
        raise ValueError("no vertex qualifies for a landmark: the face-unit data is not what the template expects")
    return int(indices[np.argmax(score[indices])])


def _corner(mesh: MeshData, vertices: np.ndarray, allowed: np.ndarray, start: int, end: int, side: int) -> int:
    # Imported here: only a fresh build needs scipy, and cached loads should stay quick to import.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    first, second = _edges(mesh)
    keep = allowed[first] & allowed[second]
    first, second = first[keep], second[keep]
    lengths = np.linalg.norm(vertices[first] - vertices[second], axis=1)
    graph = coo_matrix((lengths, (first, second)), shape=(len(vertices), len(vertices))).tocsr()
    _, predecessors = dijkstra(graph, directed=False, indices=start, return_predecessors=True)
    path = [end]
    while path[-1] != start:
        previous = predecessors[path[-1]]
        if previous < 0:
            raise ValueError("the upper and lower lip are not connected on one side of the face")
        path.append(int(previous))
    path = np.array(path)
    return int(path[np.argmax(side * vertices[path, 0])])


def _edges(mesh: MeshData) -> tuple[np.ndarray, np.ndarray]:
    """Each polygon's consecutive corner pairs (an edge shared by two polygons appears twice)."""
    sizes = np.asarray(mesh.face_sizes, dtype=np.int64)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    position = np.arange(len(mesh.faces_flat))
    following = np.where(position + 1 == starts + np.repeat(sizes, sizes), starts, position + 1)
    return np.asarray(mesh.faces_flat, dtype=np.int64), np.asarray(mesh.faces_flat, dtype=np.int64)[following]


def _eyelids(vertices: np.ndarray, blink: np.ndarray, blink_amount: np.ndarray, on_skin: np.ndarray) -> tuple[int, int]:
    # The blink moves the upper lid's edge most; where that edge lands is on the lower lid.
    upper = _pick(on_skin, np.where(on_skin, blink_amount, -np.inf))
    closed_at = vertices[upper] + blink[upper]
    still = on_skin & (blink_amount < _CLEAR * blink_amount[upper]) & (vertices[:, 2] < vertices[upper, 2])
    lower = _pick(still, -np.linalg.norm(vertices - closed_at, axis=1))
    return upper, lower
