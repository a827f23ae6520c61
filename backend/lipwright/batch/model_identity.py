"""What a model name stands for in the content hash: a retrained run under the same name is another model."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from .line import file_digest


@functools.lru_cache(maxsize=None)
def model_identity(name: str, models_dir: Path | None = None) -> str:
    """For a trained run, a digest of its config and weights (the folder that registering chose: the user's
    models folder before the shipped runs); for a built-in model, its name."""
    from ..models.run_folders import SHIPPED_MODELS_DIR, chosen_models_dir, usable_run

    for models in (chosen_models_dir(models_dir), SHIPPED_MODELS_DIR):
        run = usable_run(name, models)
        if run is not None:
            parts = [file_digest(path) for path in run.files]
            return f"{name}:" + hashlib.sha256("".join(parts).encode()).hexdigest()
    return name
