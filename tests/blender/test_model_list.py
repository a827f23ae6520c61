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


RUNS = [{"name": "phonemes", "available": True, "motion_space": "weights", "speakers": []},
        {"name": "studio-run", "available": True, "motion_space": "vertices", "template": "default-head",
         "speakers": ["spk-a", "spk-b"], "description": "jambatalk trained in vertices space"},
        {"name": "shipped-run", "available": False, "motion_space": "weights", "speakers": ["awb"],
         "reason": "needs PyTorch: pip install torch transformers"}]


def test_trained_runs_show_their_motion_space_and_offer_their_speakers(addon):
    from blender_addon import properties
    from tests.blender.test_panel import draw

    settings = bpy.context.scene.lipwright
    properties.set_models(RUNS)
    labels = {identifier: label for identifier, label, *_ in properties._models(settings, bpy.context)}
    assert labels["studio-run"] == "Studio-Run (vertices)" and labels["phonemes"] == "Phonemes"
    assert "shipped-run" not in labels  # it cannot run here; the panel says why instead
    assert ("prop", "speaker") not in draw(bpy.context)  # phonemes has no speakers to choose
    assert ("label", "shipped-run: needs PyTorch: pip install torch transformers") in draw(bpy.context)
    settings.model = "studio-run"
    assert settings.speaker == "AVERAGE" and properties.chosen_speaker(settings) is None
    assert [item[0] for item in properties._speakers(settings, bpy.context)] == ["AVERAGE", "spk-a", "spk-b"]
    settings.speaker = "spk-b"
    assert properties.chosen_speaker(settings) == "spk-b"
    assert ("prop", "speaker") in draw(bpy.context)
    properties.set_models(list(reversed(RUNS)))
    assert settings.speaker == "spk-b"
    settings.model = "phonemes"  # another model's speaker would only be refused: back to the average
    assert settings.speaker == "AVERAGE" and properties.chosen_speaker(settings) is None
    properties.set_models(MODELS[:1])


def test_the_speaker_choice_survives_save_and_reload(addon, tmp_path):
    from blender_addon import properties

    properties.set_models(RUNS)
    settings = bpy.context.scene.lipwright
    settings.model = "studio-run"
    settings.speaker = "spk-a"
    path = str(tmp_path / "speaker.blend")
    bpy.ops.wm.save_as_mainfile(filepath=path)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    properties.set_models(MODELS[:1])  # a fresh session: the backend's list is not fetched yet
    bpy.ops.wm.open_mainfile(filepath=path)
    settings = bpy.context.scene.lipwright
    assert settings.speaker == "spk-a" and properties.chosen_speaker(settings) == "spk-a"
    properties.set_models(RUNS)  # refreshed: the model and the speaker are both shown as chosen
    assert (settings.model, settings.speaker) == ("studio-run", "spk-a")
    properties.set_models(MODELS[:1])
