"""The face a glb output animates: a mesh with one morph target per ARKit unit.

The default head has its 52 targets; a character of the default head's topology (.obj or .npz, as
`lipwright template export` writes) gets them carried over by the similarity that places the head on it;
a .glb character keeps its own mesh and its own ARKit morph targets (named in mesh.extras.targetNames).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MeshError
from ..motion.arkit import ARKIT_NAMES

MESH_SUFFIXES = (".obj", ".npz", ".glb")


@dataclass(frozen=True)
class CharacterFace:
    """vertices: (V, 3) rest, Z up; triangles: (T, 3); targets: (K, V, 3) offsets at weight 1, named by
    target_names (ARKit names, a subset of the 52 for a .glb character's own targets)."""

    vertices: np.ndarray
    triangles: np.ndarray
    targets: np.ndarray
    target_names: tuple[str, ...]

    @functools.cached_property
    def gltf_mesh(self):
        """Its glTF buffers, built on first use and shared by every line animated on it."""
        from ..files.gltf_morph_animation import morph_mesh

        return morph_mesh(self.vertices, self.triangles, self.targets, self.target_names)


@functools.lru_cache(maxsize=8)
def load_character_face(path: Path | None) -> CharacterFace:
    """The default head for None; raises MeshError naming the file and what to do."""
    from ..template import load_default_head

    head = load_default_head()
    if path is None:
        return _face_of(head.mesh, head.targets, head.target_names)
    suffix = path.suffix.lower()
    if suffix == ".glb":
        try:
            return _read_glb_face(path)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError) as error:  # malformed parts
            raise MeshError(f"cannot read {path.name} as a character ({type(error).__name__}: {error}): export "
                            "it again as .glb") from None
    if suffix not in MESH_SUFFIXES:
        raise MeshError(f"cannot animate a '{suffix}' character in a glb: give an .obj, .npz or .glb mesh")
    from ..geometry.mesh_file import read_mesh_file
    from ..geometry.placement import place_on_mesh
    from ..geometry.validate import validate_mesh

    mesh = validate_mesh(*read_mesh_file(path))
    try:
        placement = place_on_mesh(head.mesh, mesh, model_name="default head")
    except MeshError as error:
        raise MeshError(f"{path.name}: {error} Or give a .glb of the character with ARKit morph targets.") from None
    return _face_of(mesh, placement.map_offsets(head.targets), head.target_names)


def _face_of(mesh, targets: np.ndarray, names) -> CharacterFace:
    from ..retarget.template_regions import triangulate

    return CharacterFace(np.asarray(mesh.vertices, dtype=np.float32), triangulate(mesh).astype(np.uint32),
                         np.asarray(targets, dtype=np.float32), tuple(names))


def _read_glb_face(path: Path) -> CharacterFace:
    """The first mesh of the file (its triangle primitives joined) with the morph targets that carry ARKit names."""
    import pygltflib

    from ..files.gltf_morph_animation import TO_LIPWRIGHT

    try:
        gltf = pygltflib.GLTF2.load_binary(str(path))
    except Exception as error:  # pygltflib raises whatever its parser met
        raise MeshError(f"cannot read the glTF file {path.name} ({error}): export it again as .glb") from None
    if not gltf.meshes:
        raise MeshError(f"{path.name} has no mesh: export the character's face mesh into it")
    mesh = gltf.meshes[0]
    names = list((mesh.extras or {}).get("targetNames") or [])
    arkit = [(index, name) for index, name in enumerate(names) if name in ARKIT_NAMES]
    if not arkit:
        raise MeshError(f"{path.name} has no morph targets with ARKit names (jawOpen, mouthClose, ...): give the "
                        "face ARKit shape keys and export it with them, or use an .obj of the default head's topology")
    vertices, triangles, targets, offset = [], [], [], 0
    for primitive in mesh.primitives:
        if primitive.mode not in (None, pygltflib.TRIANGLES) or primitive.attributes.POSITION is None:
            continue
        positions = _accessor_array(gltf, primitive.attributes.POSITION)
        if primitive.indices is None:
            corners = np.arange(len(positions))
        else:
            corners = _accessor_array(gltf, primitive.indices).reshape(-1)
        morphs = primitive.targets or []
        if len(morphs) < len(names):
            raise MeshError(f"{path.name}: a primitive of its first mesh has {len(morphs)} morph targets for "
                            f"{len(names)} names; export it again")
        vertices.append(positions)
        triangles.append(corners.reshape(-1, 3) + offset)
        targets.append(np.stack([_morph_positions(gltf, morphs[index], len(positions)) for index, _ in arkit]))
        offset += len(positions)
    if not vertices:
        raise MeshError(f"{path.name}: its first mesh has no triangles")
    to_lipwright = TO_LIPWRIGHT.astype(np.float32)
    return CharacterFace(np.concatenate(vertices) @ to_lipwright.T, np.concatenate(triangles).astype(np.uint32),
                         np.concatenate(targets, axis=1) @ to_lipwright.T, tuple(name for _, name in arkit))


def _morph_positions(gltf, morph, count: int) -> np.ndarray:
    position = getattr(morph, "POSITION", None) if not isinstance(morph, dict) else morph.get("POSITION")
    if position is None:
        return np.zeros((count, 3), np.float32)
    return _accessor_array(gltf, position)


_COMPONENTS = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def _accessor_array(gltf, index: int) -> np.ndarray:
    """An accessor (dense, sparse over zeros or over a dense base; not normalised ints) as an array of rows."""
    accessor = gltf.accessors[index]
    dtype = np.dtype(_COMPONENTS[accessor.componentType]).newbyteorder("<")
    width = _WIDTHS[accessor.type]
    if accessor.bufferView is None:
        rows = np.zeros((accessor.count, width), dtype=dtype)
    else:
        rows = _view_rows(gltf, accessor.bufferView, accessor.byteOffset or 0, accessor.count, dtype, width).copy()
    sparse = accessor.sparse
    if sparse is not None and sparse.count:
        # Blender's exporter stores shape keys this way by default: only the moved vertices.
        index_type = np.dtype(_COMPONENTS[sparse.indices.componentType]).newbyteorder("<")
        indices = _view_rows(gltf, sparse.indices.bufferView, sparse.indices.byteOffset or 0, sparse.count,
                             index_type, 1)[:, 0]
        if indices.size and int(indices.max()) >= accessor.count:
            raise MeshError("the glTF file has a sparse accessor that points past its data: export it again")
        rows[indices] = _view_rows(gltf, sparse.values.bufferView, sparse.values.byteOffset or 0, sparse.count,
                                   dtype, width)
    return rows[:, 0] if width == 1 else rows


def _view_rows(gltf, view_index: int, offset: int, count: int, dtype: np.dtype, width: int) -> np.ndarray:
    view = gltf.bufferViews[view_index]
    stride = view.byteStride or dtype.itemsize * width
    start = (view.byteOffset or 0) + offset
    end = start + stride * (count - 1) + dtype.itemsize * width
    if count and end > (view.byteOffset or 0) + view.byteLength:
        raise MeshError("the glTF file's data is shorter than its accessors say: export it again")
    return np.ndarray((count, width), dtype=dtype, buffer=gltf.binary_blob(), offset=start,
                      strides=(stride, dtype.itemsize))
