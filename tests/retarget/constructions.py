"""Characters made from the default head whose true motion is known by construction.

Each construction keeps, for every new vertex, where it came from on the head (triangle corners and
barycentric weights), and maps the head's space to the character's by a known rotation, mirror and scale."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from lipwright.geometry.mesh import MeshData
from lipwright.retarget.template_regions import triangulate


@dataclass(frozen=True)
class ConstructedCharacter:
    """mesh: the character; origin_corners, origin_weights (Vchar, 3): each vertex's place on the head;
    linear (3, 3) and shift (3,): head space -> character space (rest positions); landmarks: the head's
    landmarks carried to the character."""

    mesh: MeshData
    origin_corners: np.ndarray
    origin_weights: np.ndarray
    linear: np.ndarray
    shift: np.ndarray
    landmarks: dict[str, np.ndarray]

    def true_motion(self, head_offsets: np.ndarray) -> np.ndarray:
        """(..., Vhead, 3) head displacements -> (..., Vchar, 3) what they are at each character vertex."""
        at_origin = np.einsum("...vcd,vc->...vd", head_offsets[..., self.origin_corners, :], self.origin_weights)
        return at_origin @ self.linear.T


def lip_halves(head) -> tuple[np.ndarray, np.ndarray]:
    """(V,) bool each: the head's upper lip (the jaw barely moves it) and lower lip (the jaw carries it)."""
    jaw = np.linalg.norm(head.targets[head.target_names.index("jawOpen")], axis=1)
    lip = np.zeros(head.vertex_count, dtype=bool)
    lip[head.lip_vertices] = True
    return lip & (jaw < 0.25 * jaw.max()), lip & (jaw >= 0.5 * jaw.max())


def mouth_width(character: ConstructedCharacter) -> float:
    """The distance between the character's mouth corners."""
    return float(np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"]))


def skin_triangles(head) -> np.ndarray:
    """The head's skin (no teeth, tongue or eyes: those are separate meshes in most characters)."""
    skin = np.zeros(head.vertex_count, dtype=bool)
    skin[head.parts["skin"]] = True
    triangles = triangulate(head.mesh)
    return triangles[skin[triangles].all(axis=1)]


def subdivided_skin(head) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each skin triangle cut in four: (vertices, triangles, (corners, weights) of each vertex on the head)."""
    triangles = skin_triangles(head)
    used = np.unique(triangles)
    edges = np.sort(np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]]), axis=1)
    unique_edges, edge_of = np.unique(edges, axis=0, return_inverse=True)
    edge_of = edge_of.reshape(3, -1).T  # (T, 3): edge 01, 12, 20 of each triangle
    index = np.full(head.vertex_count, -1)
    index[used] = np.arange(len(used))
    mid = len(used) + np.arange(len(unique_edges))
    a, b, c = index[triangles].T
    ab, bc, ca = mid[edge_of[:, 0]], mid[edge_of[:, 1]], mid[edge_of[:, 2]]
    new_triangles = np.concatenate([np.stack(t, axis=1) for t in
                                    ((a, ab, ca), (ab, b, bc), (ca, bc, c), (ab, bc, ca))])
    corners = np.concatenate([np.stack([used, used, used], axis=1), np.column_stack([unique_edges, unique_edges[:, 0]])])
    weights = np.concatenate([np.tile([1.0, 0.0, 0.0], (len(used), 1)), np.tile([0.5, 0.5, 0.0], (len(unique_edges), 1))])
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    vertices = np.einsum("vcd,vc->vd", rest[corners], weights)
    return vertices, new_triangles, (corners, weights)


def skin_without_inner_mouth(head) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The skin with its inner mouth cut away, as many exports and sculpts come: the lips end at the seam."""
    from lipwright.retarget.template_regions import template_regions

    triangles = skin_triangles(head)
    triangles = triangles[~template_regions(head).inner_mouth[triangles].any(axis=1)]
    used = np.unique(triangles)
    index = np.full(head.vertex_count, -1)
    index[used] = np.arange(len(used))
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    origin = (np.stack([used, used, used], axis=1), np.tile([1.0, 0.0, 0.0], (len(used), 1)))
    return rest[used], index[triangles], origin


def opened_rest(head, jaw_open: float) -> np.ndarray:
    """The head's vertices with its mouth opened by its own jawOpen key at weight `jaw_open` (0: its rest).
    The keys are offsets, so the head's motion from there is still the same keys' offsets."""
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    if not jaw_open:
        return rest
    return rest + jaw_open * np.asarray(head.targets[head.target_names.index("jawOpen")], dtype=np.float64)


def decimated_skin(head, keep: float, jaw_open: float = 0.0, warp=None
                   ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The skin (its mouth opened by jawOpen at `jaw_open`, then moved by warp(vertices) -> vertices if given)
    decimated by quadric error to `keep` of its faces; each new vertex's origin is the closest point of the
    head's skin with a normal that agrees (decimated vertices sit just off the old surface)."""
    triangles = skin_triangles(head)
    rest = opened_rest(head, jaw_open) if warp is None else warp(opened_rest(head, jaw_open))
    surface = trimesh.Trimesh(rest, triangles, process=False)
    simple = surface.simplify_quadric_decimation(face_count=int(keep * len(triangles)))
    vertices, new_triangles = np.asarray(simple.vertices), np.asarray(simple.faces)
    closest, _, triangle = trimesh.proximity.closest_point(surface, vertices)
    # Where the upper and lower lip touch, the nearest surface can be the other lip: prefer a facing one.
    normals = simple.vertex_normals
    facing = np.einsum("ij,ij->i", surface.face_normals[triangle], normals) > 0
    if not facing.all():
        for i in np.flatnonzero(~facing):
            candidates = np.flatnonzero(np.einsum("ij,j->i", surface.face_normals, normals[i]) > 0.3)
            if len(candidates) == 0:  # a sliver whose normal agrees with nothing near: keep the closest point
                continue
            on = trimesh.triangles.closest_point(rest[triangles[candidates]], np.repeat(vertices[i:i + 1], len(candidates), 0))
            best = np.argmin(np.linalg.norm(on - vertices[i], axis=1))
            closest[i], triangle[i] = on[best], candidates[best]
    corners = triangles[triangle]
    weights = trimesh.triangles.points_to_barycentric(rest[corners], closest)
    return vertices, new_triangles, (corners, np.clip(weights, 0, None) / np.clip(weights, 0, None).sum(1, keepdims=True))


def parts_mesh(head, parts: tuple[str, ...], linear: np.ndarray, shift: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One mesh holding the head's own `parts` (teeth, tongue, eyes) with their triangles, mapped by
    linear/shift as a character is (an export's one teeth mesh holds both rows): (vertices, triangles, each
    part's vertex rows in it)."""
    triangles = triangulate(head.mesh)
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    vertices, faces, rows, count = [], [], {}, 0
    for part in parts:
        index = np.asarray(head.parts[part])
        local = np.full(head.vertex_count, -1)
        local[index] = count + np.arange(len(index))
        faces.append(local[triangles[(local[triangles] >= 0).all(axis=1)]])
        vertices.append(rest[index] @ linear.T + shift)
        rows[part] = count + np.arange(len(index))
        count += len(index)
    return np.concatenate(vertices), np.concatenate(faces), rows


def placed(head, vertices, triangles, origin, rotation_axis, angle, mirror: bool, scale: float,
           shift=(0.3, -1.2, 2.0), jaw_open: float = 0.0) -> ConstructedCharacter:
    """The remeshed head rotated, optionally mirrored (x -> -x, polygons turned to keep facing out), scaled;
    jaw_open: the jawOpen weight the remeshed vertices were opened by (its landmarks open alike)."""
    rotation = trimesh.transformations.rotation_matrix(angle, rotation_axis)[:3, :3]
    linear = scale * rotation @ np.diag([-1.0 if mirror else 1.0, 1.0, 1.0])
    shift = np.asarray(shift, dtype=np.float64)
    if mirror:
        triangles = triangles[:, ::-1]
    rest = opened_rest(head, jaw_open)
    mesh = MeshData(vertices=(vertices @ linear.T + shift).astype(np.float32),
                    faces_flat=np.ascontiguousarray(triangles, dtype=np.int32).reshape(-1),
                    face_sizes=np.full(len(triangles), 3, dtype=np.int32))
    landmarks = {name: rest[index] @ linear.T + shift for name, index in head.landmark_index.items()}
    return ConstructedCharacter(mesh=mesh, origin_corners=origin[0], origin_weights=origin[1], linear=linear,
                                shift=shift, landmarks=landmarks)


def stylise(points: np.ndarray, head) -> np.ndarray:
    """A smooth non-linear warp of the head: eyes 45% bigger, mouth 45% wider, chin pulled in by a third."""
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    landmarks = {name: rest[index] for name, index in head.landmark_index.items()}
    points = np.asarray(points, dtype=np.float64)
    mouth = (landmarks["mouth_corner_left"] + landmarks["mouth_corner_right"]) / 2
    warped = points.copy()
    for side in ("left", "right"):
        eye = (landmarks[f"upper_lid_{side}"] + landmarks[f"lower_lid_{side}"]) / 2 + np.array([0.0, 0.012, 0.0])
        warped += 0.45 * (points - eye) * _bump(points, eye, np.array([0.03, 0.03, 0.03]))
    warped[:, 0] += 0.45 * (points[:, 0] - mouth[0]) * _bump(points, mouth, np.array([0.04, 0.05, 0.025]))[:, 0]
    warped -= 0.35 * (points - mouth) * _bump(points, landmarks["chin"], np.array([0.05, 0.06, 0.035])) \
        * np.array([1.0, 0.6, 1.0])
    return warped


def _bump(points: np.ndarray, centre: np.ndarray, radius: np.ndarray) -> np.ndarray:
    return np.exp(-np.sum(((points - centre) / radius) ** 2, axis=-1))[..., None]
