"""The Lines sub-panel lists each baked line of the face and offers to remove one whose strip was deleted."""

import types

import bpy

from tests.blender.conftest import set_fps
from tests.blender.test_layering import bake_line, face, line_result
from tests.blender.test_panel import RecordingLayout, addon  # noqa: F401  (the fixture)


class OperatorRecordingLayout(RecordingLayout):
    def operator(self, idname, icon="NONE", **kwargs):
        super().operator(idname, icon=icon, **kwargs)
        properties = types.SimpleNamespace()
        self.record.append(("properties", properties))
        return properties


def test_a_line_whose_strip_was_deleted_is_shown_with_its_remove_button(addon):  # noqa: F811
    from blender_addon import bake

    scene = bpy.context.scene
    set_fps(scene, 24)
    obj = face()
    scene.lipwright.target = obj
    report = bake.bake_result(scene, obj, line_result(20, 0), "Line 01", 10, mode="ARKIT", line_id="a1b2")
    bake_line(scene, obj, line_result(20, 1), "Line 02", 50)
    record = []
    panel = type("Panel", (), {"layout": OperatorRecordingLayout(record)})()

    bpy.types.LIPWRIGHT_PT_lines.draw(panel, bpy.context)

    assert ("label", "Line 01 (strip deleted)") in record and ("operator", "lipwright.sync_strips") in record
    removes = [props for kind, props in record if kind == "properties" and hasattr(props, "line")]
    assert sorted(p.line for p in removes) == ["Line 02", "a1b2"] and report.track_name == "Lipwright Line 01"
    assert bpy.ops.lipwright.remove_line(line="a1b2", object_name=obj.name) == {"FINISHED"}
    assert [str(a["lipwright_strip"]) for a in bake.line_actions(obj)] == ["Line 02"]
