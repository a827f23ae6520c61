"""The add-on reads which recognition modes the backend can run from any model list it gets: the panel warns,
and Generate refuses before any upload, exactly when the chosen mode cannot run and the line has no transcript."""

import itertools

import bpy
import pytest

from blender_addon import compat, operators, properties, scene_data
from tests.blender.conftest import grid_mesh
from tests.blender.test_compat import write_wav
from tests.blender.test_panel import addon, draw  # noqa: F401  (the registered add-on fixture)

pytestmark = pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
MODES = ("FAST", "ACCURATE", "NETWORK")


def listing(unavailable: frozenset, with_reasons: bool, listed: bool) -> list[dict]:
    """A model list as /v1/models gives it: phonemes with its modes (or, from an older backend, without the
    field), and another model whose own listing says every mode is unavailable (it must not leak)."""
    phonemes = {"name": "phonemes", "available": True}
    if listed:
        phonemes["recognition"] = [{"name": mode.lower(), "available": mode not in unavailable,
                                    "reason": f"{mode.lower()} needs something" if with_reasons else ""}
                                   for mode in MODES]
    other = {"name": "other-run", "available": True, "motion_space": "weights",
             "recognition": [{"name": mode.lower(), "available": False, "reason": "never"} for mode in MODES]}
    return [other, phonemes] if len(unavailable) % 2 else [phonemes, other]


# Fast is always listed as available: without pocketsphinx the phonemes model itself is unavailable.
OPTIONAL = MODES[1:]
LISTINGS = [(frozenset(chosen), with_reasons, listed)
            for size in range(len(OPTIONAL) + 1) for chosen in itertools.combinations(OPTIONAL, size)
            for with_reasons in (True, False) for listed in (True, False)]


@pytest.fixture
def line(addon, tmp_path):  # noqa: F811
    scene = bpy.context.scene
    scene.lipwright.target = grid_mesh()
    return compat.new_sound_strip(scene, "Line", str(write_wav(tmp_path / "line.wav")), 1, 1)


def test_every_listing_warns_and_refuses_exactly_for_an_unavailable_mode_without_a_transcript(line):
    settings = bpy.context.scene.lipwright
    settings.sound_strip = line.name
    try:
        for unavailable, with_reasons, listed in LISTINGS:
            properties.set_models(listing(unavailable, with_reasons, listed))
            for mode, transcript in itertools.product(MODES, ("", "Bob ate a map.")):
                settings.recognition = mode
                settings.transcript = transcript
                case = f"unavailable {sorted(unavailable)}, reasons {with_reasons}, listed {listed}, {mode}, " \
                       f"transcript {bool(transcript)}"
                cannot_run = listed and mode in unavailable
                problem = properties.recognition_problem("phonemes", mode)
                assert bool(problem) == cannot_run, case
                if cannot_run:
                    assert problem == (f"{mode.lower()} needs something" if with_reasons else "cannot run here"), case
                warned = [text for kind, text in draw(bpy.context) if kind == "label" and text.startswith("Not in")]
                assert warned == ([f"Not in this backend: {problem}"] if cannot_run else []), case
                actions_before = len(bpy.data.actions)
                if cannot_run and not transcript:
                    label = settings.bl_rna.properties["recognition"].enum_items[mode].name
                    with pytest.raises(scene_data.SceneDataError, match=f"'{label}' cannot run in this backend"):
                        operators.job_spec(bpy.context, line)
                else:
                    spec = operators.job_spec(bpy.context, line)
                    assert spec.strip_name == line.name, case
                assert len(bpy.data.actions) == actions_before, case  # gathering a line writes nothing
    finally:
        settings.transcript = ""
        properties.set_models([{"name": "phonemes", "available": True}])  # the add-on's list for the other tests
