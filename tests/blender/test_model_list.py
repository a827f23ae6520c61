"""The Model field keeps the user's choice when the model list is refreshed from the backend."""

import bpy

from tests.blender.test_panel import addon  # noqa: F401  (the registered add-on fixture)

MODELS = [{"name": "phonemes", "available": True}, {"name": "gpu_model", "available": True},
          {"name": "missing_weights", "available": False, "reason": "no weights"}]


def test_the_model_choice_survives_refreshing_the_list(addon):
    from blender_addon import properties

    settings = bpy.context.scene.lipwright
    assert settings.model == "phonemes"  # a fresh scene, before any refresh
    properties.set_models(MODELS)
    assert settings.model == "phonemes"
    settings.model = "gpu_model"
    properties.set_models(list(reversed(MODELS)))
    assert settings.model == "gpu_model"
    properties.set_models(MODELS[:1])  # restore the add-on's list for the other tests
