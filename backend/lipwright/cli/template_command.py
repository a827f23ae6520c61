"""`lipwright template export head.obj`: the default head for other tools (.obj, .npz or .blend)."""

import argparse
from pathlib import Path

from ..errors import LipwrightError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write the default head: .obj (mesh only), .npz or .blend (with its 52 ARKit shape keys)")
    export.add_argument("path", type=Path)


def run(args: argparse.Namespace) -> int:
    from ..template import load_default_head, write_obj, write_template_npz

    path: Path = args.path
    suffix = path.suffix.lower()
    if suffix not in (".obj", ".npz", ".blend"):
        raise LipwrightError(f"cannot write '{suffix or path.name}': use .obj (mesh only), .npz or .blend (with shape keys)")
    path.parent.mkdir(parents=True, exist_ok=True)
    head = load_default_head()
    if suffix == ".obj":
        write_obj(head.mesh, path)
        print(f"wrote {path} ({head.mesh.vertex_count} vertices; OBJ has no shape keys: use .blend or .npz for the 52 ARKit targets)")
    elif suffix == ".npz":
        write_template_npz(head, path)
        print(f"wrote {path} ({head.mesh.vertex_count} vertices, {len(head.target_names)} targets)")
    else:
        from ..blender_bridge.head_blend import write_head_blend

        write_head_blend(path)
        print(f"wrote {path} (the head with {len(head.target_names)} ARKit shape keys)")
    return 0
