"""Reads a user's mesh file (.obj, or .npz with vertices/faces_flat/face_sizes) into plain arrays."""

from pathlib import Path

import numpy as np

from ..errors import MeshError
from .obj_reader import read_obj


def read_mesh_file(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Returns (vertices (V, 3), faces_flat (L,), face_sizes (F,)); validation is the caller's job."""
    path = Path(path)
    if not path.is_file():
        raise MeshError(f"no mesh file at {path}: check the path")
    suffix = path.suffix.lower()
    try:
        if suffix == ".obj":
            mesh = read_obj(path)
            return mesh.vertices, mesh.faces_flat, mesh.face_sizes
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as npz:
                missing = [k for k in ("vertices", "faces_flat", "face_sizes") if k not in npz.files]
                if missing:
                    raise MeshError(f"{path.name} lacks {missing}: an .npz mesh needs vertices, faces_flat and face_sizes")
                return npz["vertices"], npz["faces_flat"], npz["face_sizes"]
    except (ValueError, OSError) as error:
        raise MeshError(f"cannot read the mesh {path.name} ({error}): export it again as .obj") from None
    raise MeshError(f"cannot read '{suffix}' meshes: use .obj or .npz (lipwright template export shows both)")
