"""A line as glTF 2.0 binary (.glb): the face mesh, one morph target per ARKit unit, and a weights animation.

Game engines (Unity, Unreal, Godot, three.js) import this without Blender: the mesh carries the targets'
names in `mesh.extras.targetNames` (the convention Blender's exporter and most importers share) and one
animation whose sampler drives the node's morph weights, keyframed once per frame with LINEAR interpolation.
Written with pygltflib; the arrays go into the one binary chunk.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pygltflib

from .atomic import write_bytes_atomically

# Lipwright's meshes are Blender's: Z up, facing -Y. glTF is Y up, facing +Z: (x, y, z) -> (x, z, -y),
# as Blender's own exporter converts.
_TO_GLTF = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]], dtype=np.float32)
TO_LIPWRIGHT = _TO_GLTF.T  # the inverse rotation, for readers of glTF meshes


@dataclass(frozen=True)
class MorphMesh:
    """A face's glTF buffers (mesh, normals, indices, one morph target per unit), built once and shared by
    every line animated on it; see morph_mesh."""

    blob: bytes
    views: tuple
    accessors: tuple
    primitive: pygltflib.Primitive
    target_names: tuple[str, ...]


def morph_mesh(vertices: np.ndarray, triangles: np.ndarray, targets: np.ndarray,
               target_names: Sequence[str]) -> MorphMesh:
    """vertices: (V, 3) rest; triangles: (T, 3) vertex indices; targets: (K, V, 3) offsets at weight 1, named
    by `target_names`. Coordinates in Lipwright's space (Z up)."""
    vertices = np.asarray(vertices, dtype=np.float32) @ _TO_GLTF.T
    targets = np.asarray(targets, dtype=np.float32) @ _TO_GLTF.T
    triangles = np.asarray(triangles, dtype=np.uint32).reshape(-1, 3)
    if targets.shape[0] != len(target_names) or targets.shape[1:] != vertices.shape:
        raise ValueError(f"{len(target_names)} target names for targets {targets.shape} on {len(vertices)} vertices")
    builder = _BufferBuilder()
    position = builder.accessor(vertices, pygltflib.VEC3, pygltflib.ARRAY_BUFFER, bounds=True)
    normal = builder.accessor(_vertex_normals(vertices, triangles), pygltflib.VEC3, pygltflib.ARRAY_BUFFER)
    indices = builder.accessor(triangles.reshape(-1), pygltflib.SCALAR, pygltflib.ELEMENT_ARRAY_BUFFER)
    morphs = [builder.target_accessor(target) for target in targets]
    primitive = pygltflib.Primitive(attributes=pygltflib.Attributes(POSITION=position, NORMAL=normal),
                                    indices=indices, mode=pygltflib.TRIANGLES,
                                    targets=[pygltflib.Attributes(POSITION=morph) for morph in morphs])
    return MorphMesh(bytes(builder.blob), tuple(builder.views), tuple(builder.accessors), primitive,
                     tuple(target_names))


def glb_bytes(mesh: MorphMesh, weights: np.ndarray, fps: float, name: str = "face") -> bytes:
    """The mesh with one animation: weights (frames, K) in the mesh's target order, one keyframe per frame."""
    weights = np.asarray(weights, dtype=np.float32)
    if weights.ndim != 2 or weights.shape[1] != len(mesh.target_names):
        raise ValueError(f"weights {weights.shape} for {len(mesh.target_names)} morph targets")
    if len(weights) == 0:
        raise ValueError("an animation needs at least one frame")
    builder = _BufferBuilder(mesh)
    times = builder.accessor(np.arange(len(weights), dtype=np.float32) / np.float32(fps), pygltflib.SCALAR,
                             bounds=True)
    values = builder.accessor(weights.reshape(-1), pygltflib.SCALAR)
    gltf = pygltflib.GLTF2(
        asset=pygltflib.Asset(generator="Lipwright", version="2.0"),
        scene=0,
        scenes=[pygltflib.Scene(nodes=[0])],
        nodes=[pygltflib.Node(name=name, mesh=0)],
        meshes=[pygltflib.Mesh(name=name, primitives=[mesh.primitive], weights=[0.0] * len(mesh.target_names),
                               extras={"targetNames": list(mesh.target_names)})],
        animations=[pygltflib.Animation(
            name=f"{name}_speech",
            samplers=[pygltflib.AnimationSampler(input=times, output=values, interpolation=pygltflib.ANIM_LINEAR)],
            channels=[pygltflib.AnimationChannel(sampler=0, target=pygltflib.AnimationChannelTarget(node=0,
                                                                                                     path="weights"))],
        )],
        accessors=builder.accessors,
        bufferViews=builder.views,
        buffers=[pygltflib.Buffer(byteLength=len(builder.blob))],
    )
    gltf.set_binary_blob(bytes(builder.blob))
    return b"".join(gltf.save_to_bytes())


def write_glb(path: str | os.PathLike, mesh: MorphMesh, weights: np.ndarray, fps: float, name: str = "face") -> None:
    """glb_bytes(...) written whole or not at all."""
    write_bytes_atomically(path, glb_bytes(mesh, weights, fps, name))


class _BufferBuilder:
    """Appends arrays to one binary buffer, 4-byte aligned, each with its buffer view and accessor."""

    _COMPONENT = {np.dtype(np.float32): pygltflib.FLOAT, np.dtype(np.uint32): pygltflib.UNSIGNED_INT}

    def __init__(self, start: MorphMesh | None = None) -> None:
        """start: a mesh whose buffers come first (copied: the mesh is shared)."""
        self.blob = bytearray(start.blob if start else b"")
        self.views: list[pygltflib.BufferView] = list(start.views if start else ())
        self.accessors: list[pygltflib.Accessor] = list(start.accessors if start else ())

    def accessor(self, array: np.ndarray, kind: str, target: int | None = None, bounds: bool = False) -> int:
        array = np.ascontiguousarray(array)
        self.blob.extend(b"\0" * (-len(self.blob) % 4))
        self.views.append(pygltflib.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=array.nbytes,
                                               target=target))
        self.blob.extend(array.astype(array.dtype.newbyteorder("<")).tobytes())
        rows = array.reshape(len(array), -1) if array.ndim > 1 else array.reshape(-1, 1)
        accessor = pygltflib.Accessor(bufferView=len(self.views) - 1, componentType=self._COMPONENT[array.dtype],
                                      count=len(array), type=kind)
        if bounds:
            accessor.min, accessor.max = _bounds(rows)
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def _view(self, array: np.ndarray) -> int:
        """A plain buffer view (no target: sparse data is not vertex data)."""
        self.blob.extend(b"\0" * (-len(self.blob) % 4))
        self.views.append(pygltflib.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=array.nbytes))
        self.blob.extend(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes())
        return len(self.views) - 1

    def target_accessor(self, offsets: np.ndarray) -> int:
        """A morph target's POSITION offsets (V, 3) float32. A face unit moves a fifth of the head on average,
        so only the moved vertices are stored (a sparse accessor over zeros, glTF 2.0 core): the file is about
        a quarter of the size. The spec asks min/max of every POSITION accessor, morph targets' included."""
        moved = np.flatnonzero(np.abs(offsets).max(axis=1) > 0).astype(np.uint32)
        if len(moved) > 0.75 * len(offsets):  # indices would cost more than they save
            return self.accessor(offsets, pygltflib.VEC3, pygltflib.ARRAY_BUFFER, bounds=True)
        low, high = _bounds(offsets)
        accessor = pygltflib.Accessor(componentType=pygltflib.FLOAT, count=len(offsets), type=pygltflib.VEC3,
                                      min=low, max=high)
        if len(moved):  # without sparse data an accessor without a buffer view is all zeros
            accessor.sparse = pygltflib.Sparse(
                count=len(moved),
                indices=pygltflib.AccessorSparseIndices(bufferView=self._view(moved),
                                                        componentType=pygltflib.UNSIGNED_INT),
                values=pygltflib.AccessorSparseValues(bufferView=self._view(offsets[moved])),
            )
        self.accessors.append(accessor)
        return len(self.accessors) - 1


def _bounds(rows: np.ndarray) -> tuple[list[float], list[float]]:
    return [float(value) for value in rows.min(axis=0)], [float(value) for value in rows.max(axis=0)]


def _vertex_normals(vertices: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Area-weighted smooth normals (without NORMAL, importers must shade flat)."""
    corners = vertices[triangles]
    face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros_like(vertices)
    for corner in range(3):
        np.add.at(normals, triangles[:, corner], face_normals)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(length > 0, normals / np.maximum(length, 1e-12), np.array([0.0, 0.0, 1.0], np.float32))
    return normals.astype(np.float32)
