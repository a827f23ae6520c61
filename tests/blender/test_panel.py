"""The sidebar panel draws against the real registered properties, operators and icons of this Blender.

Background Blender has no UI to draw into, so the panel draws into a recording layout that checks
every property, operator and icon it is given against Blender's own RNA, as the real UILayout would.
"""

import bpy
import pytest

ICONS = set(bpy.types.UILayout.bl_rna.functions["label"].parameters["icon"].enum_items.keys())


class RecordingLayout:
    def __init__(self, record):
        self.record = record
        self.use_property_split = self.use_property_decorate = False
        self.scale_y = 1.0

    def _icon(self, icon):
        assert icon in ICONS, f"no icon {icon!r} in Blender {bpy.app.version_string}"

    def prop(self, data, name, icon="NONE", **_):
        assert name in data.bl_rna.properties, f"{data} has no property {name!r}"
        self._icon(icon)
        self.record.append(("prop", name))

    def operator(self, idname, icon="NONE", **_):
        module, name = idname.split(".")
        assert hasattr(getattr(bpy.ops, module), name), f"no operator {idname}"
        self._icon(icon)
        self.record.append(("operator", idname))

    def label(self, text="", icon="NONE"):
        self._icon(icon)
        self.record.append(("label", text))

    def progress(self, factor=0.0, type="BAR", text=""):
        assert 0.0 <= factor <= 1.0
        self.record.append(("progress", text))

    def separator(self, **_):
        pass

    def row(self, **_):
        return self

    column = box = row


@pytest.fixture()
def addon():
    import blender_addon

    blender_addon.register()
    yield blender_addon
    blender_addon.unregister()


def draw(context) -> list:
    record = []
    panel = type("Panel", (), {"layout": RecordingLayout(record)})()
    bpy.types.LIPWRIGHT_PT_main.draw(panel, context)
    return record


def test_panel_draws_its_controls_and_progress(addon):
    context = bpy.context
    record = draw(context)
    operators = [name for kind, name in record if kind == "operator"]
    assert {"lipwright.generate", "lipwright.generate_selected", "lipwright.cancel", "lipwright.add_head"} <= set(operators)
    assert ("prop", "transcript") in record and ("prop", "sound_strip") in record

    state = context.window_manager.lipwright_job
    state.running, state.progress, state.message = True, 0.4, "Line 1/2: recognising phones"
    state.last_error = "a01.wav: the audio is silent\na02.wav: the audio is empty"
    record = draw(context)
    assert ("progress", "Line 1/2: recognising phones") in record
    assert ("label", "a02.wav: the audio is empty") in record
    state.running, state.last_error = False, ""


def test_the_strip_list_says_when_there_is_nothing_to_pick(addon):
    from blender_addon import properties

    items = properties._sound_strips(bpy.context.scene.lipwright, bpy.context)
    assert [item[0] for item in items] == ["NONE"]
    assert all(item[3] in ICONS for item in items)


@pytest.mark.sound_strips  # the PyPI bpy 4.2 wheel has no Audaspace: no sound strips there
def test_the_strip_list_offers_each_sound_strip_with_a_real_icon(addon, tmp_path):
    from blender_addon import compat, properties
    from tests.blender.test_compat import write_wav

    scene = bpy.context.scene
    compat.new_sound_strip(scene, "Line 07", str(write_wav(tmp_path / "a.wav")), 1, 40)
    items = properties._sound_strips(scene.lipwright, bpy.context)
    assert [item[0] for item in items] == ["Line 07"]
    assert "frame 40" in items[0][2] and all(item[3] in ICONS for item in items)
    scene.lipwright.sound_strip = "Line 07"  # the enum number survives a round trip through the name
    assert scene.lipwright.sound_strip == "Line 07"
