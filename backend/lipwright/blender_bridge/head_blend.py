"""The default head as a .blend with its 52 ARKit shape keys, built by the add-on's own code in Blender."""

import tempfile
from pathlib import Path

from ..files.atomic import replaced_on_success
from ..template import load_default_head, write_template_npz
from .runner import run_in_blender


def write_head_blend(blend_out: Path, fps: float | None = None) -> dict:
    """Writes a .blend holding only the default head; returns {object, vertices, shape_keys, blend}."""
    blend_out = Path(blend_out).resolve()
    with tempfile.TemporaryDirectory() as scratch, replaced_on_success(blend_out) as partial_blend:
        template_npz = Path(scratch) / "head.npz"
        write_template_npz(load_default_head(), template_npz)
        report = run_in_blender("headless", "build_head_blend", template_npz=str(template_npz),
                                blend_out=str(partial_blend), fps=fps)
    return {**report, "blend": str(blend_out)}
