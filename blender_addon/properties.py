"""The add-on's properties: per-scene settings (saved with the .blend) and job state on the WindowManager (not saved)."""

import zlib

import bpy

from . import compat

BAKE_MODES = (
    ("AUTO", "Auto", "ARKit keys when the mesh has ARKit-named shape keys, else basis keys"),
    ("ARKIT", "ARKit Keys", "Keyframe the mesh's ARKit-named shape keys from the model's weights"),
    ("BASIS", "Basis Keys", "Compress the vertex motion into a few new shape keys named after the strip"),
)
DEFAULT_MODEL = "phonemes"

# Blender keeps only pointers to dynamic enum strings: the lists must outlive the callback.
_model_items = [(DEFAULT_MODEL, "Phonemes", "Phone recognition/alignment with coarticulated visemes (no weights needed)", 0)]
_strip_items = []
_speaker_items = []
_model_speakers = {}  # model name -> its speakers, from the last model list
_model_spaces = {}  # model name -> "weights" or "vertices", from the last model list
unavailable_models = []  # (name, why it cannot run), from the last model list: the panel says why
_recognition_problems = {}  # model name -> {recognition mode: why it cannot run here}, from the last model list
AVERAGE_SPEAKER = "AVERAGE"


def stable_number(name: str) -> int:
    """An enum number tied to the name, so the chosen strip or model survives the list being rebuilt."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def model_number(name: str) -> int:
    """The default model keeps 0, the value a scene holds before any choice; the others their stable number."""
    return 0 if name == DEFAULT_MODEL else stable_number(name)


def _model_item(model):
    name = model["name"]
    label, description = name.replace("_", " ").title(), model.get("description", "") or model.get("reason", "")
    if name != DEFAULT_MODEL and model.get("motion_space"):  # a trained run: what it moves, and whose styles
        label += f" ({model['motion_space']})"
        speakers = model.get("speakers") or []
        description += (f" Motion: {model['motion_space']} on {model.get('template', 'its template')}; "
                        f"speakers: {', '.join(speakers) if speakers else 'none'}.")
    return name, label, description, model_number(name)


def set_models(models):
    """models: [{'name', 'description', 'available', 'motion_space', 'speakers'...}] from the backend's /v1/models."""
    items = [_model_item(m) for m in models if m.get("available", True)]
    _model_items[:] = items or _model_items
    _model_speakers.clear()
    _model_speakers.update({m["name"]: tuple(m.get("speakers") or ()) for m in models})
    _model_spaces.clear()
    _model_spaces.update({m["name"]: m.get("motion_space") or "weights" for m in models})
    unavailable_models[:] = [(m["name"], m.get("reason", "") or "cannot run here")
                             for m in models if not m.get("available", True)]
    _recognition_problems.clear()
    _recognition_problems.update({m["name"]: {mode["name"]: mode.get("reason", "") or "cannot run here"
                                              for mode in m.get("recognition") or () if not mode.get("available", True)}
                                  for m in models})


def recognition_problem(model_name, mode):
    """Why the backend cannot hear a line in `mode` (a `recognition` item, e.g. "NETWORK") for the model;
    "" when it can, or when the last model list did not say (an older backend refuses at Generate)."""
    return _recognition_problems.get(model_name, {}).get(mode.lower(), "")


def _models(self, context):
    return _model_items


def model_speakers(model_name):
    """The speakers the last model list gave for the model (empty when it has none or is not listed)."""
    return _model_speakers.get(model_name, ())


def model_motion_space(model_name):
    """"weights" or "vertices" (what the model moves), as the last model list gave it; "weights" when unknown."""
    return _model_spaces.get(model_name, "weights")


def _speakers(self, context):
    names = list(model_speakers(self.model))
    if self.speaker_name and self.speaker_name not in names:
        names.append(self.speaker_name)  # the file's choice, kept until the user picks another
    _speaker_items[:] = [(AVERAGE_SPEAKER, "Average", "The average talking style of the model's speakers", 0)] + [
        (name, name, f"Talk in the style of {name}", stable_number(name)) for name in names]
    return _speaker_items


def _get_speaker(self):
    return stable_number(self.speaker_name) if self.speaker_name else 0


def _set_speaker(self, value):
    # The name is what is saved: it survives the list being rebuilt, or not yet fetched after a reload.
    self.speaker_name = next((item[0] for item in _speakers(self, None)[1:] if item[3] == value), "")


def _model_changed(self, context):
    if self.speaker_name and self.speaker_name not in model_speakers(self.model):
        self.speaker_name = ""  # another model's speaker would only be refused


def chosen_speaker(settings):
    """The speaker to send with a job, or None for the average style."""
    return settings.speaker_name or None


def _sound_strips(self, context):
    scene = self.id_data if isinstance(self.id_data, bpy.types.Scene) else context.scene
    _strip_items[:] = [
        (s.name, s.name, f"{'packed ' if s.sound.packed_file else ''}sound at frame {int(s.frame_start)}",
         "SOUND", stable_number(s.name))
        for s in compat.sound_strips(scene) if s.sound is not None
    ] or [("NONE", "No sound strips", "Add a sound strip in the Video Sequencer", "ERROR", 0)]
    return _strip_items


# Each line's transcript lives on its sound strip (saved with the .blend, follows the strip around),
# so a dialogue scene keeps one transcript per line.
TRANSCRIPT_KEY = "lipwright_transcript"


def strip_transcript(strip) -> str:
    return str(strip.get(TRANSCRIPT_KEY, "")).strip()


def _chosen_strip(settings):
    if settings.audio_source != "STRIP" or settings.sound_strip in ("", "NONE"):
        return None
    return compat.find_strip(settings.id_data, settings.sound_strip)


def _get_transcript(self):
    strip = _chosen_strip(self)
    if self.audio_source == "STRIP":
        return str(strip.get(TRANSCRIPT_KEY, "")) if strip is not None else ""
    return self.file_transcript


def _set_transcript(self, value):
    strip = _chosen_strip(self)
    if strip is not None:
        strip[TRANSCRIPT_KEY] = value
    elif self.audio_source == "FILE":
        self.file_transcript = value


def _is_mesh(self, obj):
    return obj.type == "MESH"


class LipwrightSceneSettings(bpy.types.PropertyGroup):
    target: bpy.props.PointerProperty(name="Face", type=bpy.types.Object, poll=_is_mesh,
                                      description="The face mesh to animate")
    audio_source: bpy.props.EnumProperty(
        name="Audio", items=(("STRIP", "Sound Strip", "A sound strip of this scene's sequencer"),
                             ("FILE", "File", "A sound file; it is added as a sound strip")), default="STRIP",
    )
    sound_strip: bpy.props.EnumProperty(name="Strip", items=_sound_strips, description="The dialogue line to animate")
    audio_path: bpy.props.StringProperty(name="File", subtype="FILE_PATH")
    transcript: bpy.props.StringProperty(
        name="Transcript", get=_get_transcript, set=_set_transcript,
        description="What this line says (kept on its sound strip): aligning to it is much more accurate",
    )
    file_transcript: bpy.props.StringProperty(options={"HIDDEN"})
    model: bpy.props.EnumProperty(name="Model", items=_models, update=_model_changed)
    recognition: bpy.props.EnumProperty(
        name="Without Transcript", default="FAST",
        description="How the Phonemes model hears a line that has no transcript",
        items=(("FAST", "Fast", "Recognise phones, their p/b/m checked by the shipped networks' phone heads (quick)"),
               ("ACCURATE", "Accurate", "Recognise words, then align them (slower)"),
               ("NETWORK", "Network Closures",
                "Fast, plus the lip closures and jaw opening the shipped GLDiTalker hears: closes more p/b/m on "
                "voices the phone search hears poorly (the backend loads PyTorch once)")),
    )
    speaker: bpy.props.EnumProperty(
        name="Speaker", items=_speakers, get=_get_speaker, set=_set_speaker,
        description="Whose talking style a trained model uses (Average: the mean of its speakers' styles)",
    )
    speaker_name: bpy.props.StringProperty(options={"HIDDEN"})
    bake_mode: bpy.props.EnumProperty(name="Bake", items=BAKE_MODES, default="AUTO")
    follow_strips: bpy.props.BoolProperty(
        name="Follow Strips", default=True,
        description="Move the face's baked lines with their sound strips as the strips are moved",
    )


class LipwrightJobState(bpy.types.PropertyGroup):
    running: bpy.props.BoolProperty()
    progress: bpy.props.FloatProperty(min=0.0, max=1.0)
    message: bpy.props.StringProperty()
    last_error: bpy.props.StringProperty()
    last_report: bpy.props.StringProperty()
    last_warning: bpy.props.StringProperty()


classes = (LipwrightSceneSettings, LipwrightJobState)


def register_properties():
    bpy.types.Scene.lipwright = bpy.props.PointerProperty(type=LipwrightSceneSettings)
    bpy.types.WindowManager.lipwright_job = bpy.props.PointerProperty(type=LipwrightJobState)


def unregister_properties():
    del bpy.types.WindowManager.lipwright_job
    del bpy.types.Scene.lipwright
