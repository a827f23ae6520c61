"""A trained run retrained under the same name is another model for the resume journal."""

import shutil

from lipwright.batch.model_identity import model_identity
from lipwright.models.run_folders import SHIPPED_MODELS_DIR


def test_a_retrained_run_changes_identity_and_a_built_in_model_is_its_name(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(SHIPPED_MODELS_DIR / "jambatalk-synthetic", models / "my-run")
    first = model_identity("my-run", models)
    assert first.startswith("my-run:")
    with open(models / "my-run" / "model.safetensors", "r+b") as weights:  # one weight changed
        weights.seek(-4, 2)
        weights.write(b"\x01\x02\x03\x04")
    model_identity.cache_clear()
    assert model_identity("my-run", models) != first
    assert model_identity("phonemes", models) == "phonemes"
