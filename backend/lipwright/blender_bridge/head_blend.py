"""The default head as a .blend with its 52 ARKit shape keys, built by the add-on's own code in Blender."""

import tempfile
from pathlib import Path

from ..template import load_default_head, write_template_npz
from .runner import run_in_blender


def write_head_blend(blend_out: Path, fps: float | None = None) -> dict:
    """Writes a .blend holding only the default head; returns {object, vertices, shape_keys, blend}."""
    with tempfile.TemporaryDirectory() as scratch:
        template_npz = Path(scratch) / "head.npz"
        write_template_npz(load_default_head(), template_npz)
        return run_in_blender("headless", "build_head_blend", template_npz=str(template_npz),
                              blend_out=str(Path(blend_out).resolve()), fps=fps)
