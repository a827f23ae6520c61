"""Read the field's `templates.pkl` without running what a pickle may ask for: only numpy arrays,
dtypes and plain containers are rebuilt; any other global is refused."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np

from ..errors import LipwrightError

# What a pickled dict of numpy arrays needs, under the names numpy 1.x and 2.x write.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),  # protocol 5
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),  # how protocol 2 stores the bytes of an array under Python 3
    ("builtins", "dict"), ("builtins", "list"), ("builtins", "tuple"), ("builtins", "set"),
    ("builtins", "frozenset"), ("builtins", "bytearray"),
    ("__builtin__", "dict"), ("__builtin__", "list"), ("__builtin__", "tuple"),  # Python 2 pickles
}


class UnsafePickle(LipwrightError):
    """The pickle names something other than numpy arrays and plain containers."""


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise UnsafePickle(f"refusing to load {module}.{name} from a pickle: templates.pkl may hold only numpy "
                               "arrays in a dict. Re-save it with numpy arrays only (for example from a dict of "
                               "np.asarray(mesh))")
        if module == "__builtin__":
            module = "builtins"
        return super().find_class(module, name)


def load_arrays_pickle(path: Path) -> dict[str, np.ndarray]:
    """`path`: a pickled dict name -> mesh; returns name -> float32 array (vertices, 3)."""
    data = Path(path).read_bytes()
    try:
        # latin1: VOCASET's and BIWI's templates were pickled by Python 2.
        loaded = _ArraysOnly(io.BytesIO(data), encoding="latin1").load()
    except UnsafePickle:
        raise
    except Exception as error:
        raise LipwrightError(f"{path} is not a readable pickle ({error}); it should be the templates.pkl of the "
                             "preprocessed data set") from error
    if not isinstance(loaded, dict):
        raise LipwrightError(f"{path} holds a {type(loaded).__name__}, not a dict subject -> neutral mesh")
    templates = {}
    for key, mesh in loaded.items():
        array = np.asarray(mesh, dtype=np.float32)
        templates[str(key)] = array.reshape(-1, 3)
    return templates
